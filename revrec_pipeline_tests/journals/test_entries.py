"""Journal entries for a closed period (SPEC §7), checked by hand: details per event, customer,
currency and product; opening balances at go-live; catch-up of changes to closed periods;
entries per (event, currency) with mapped accounts and segments; splitting; the REST body."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd
import pytest

from revrec_pipeline.journals.entries import (
    DETAIL_KEY,
    JournalEntry,
    JournalLine,
    build_entries,
    cumulative_targets,
    entry_body,
    external_id,
    needed_accounts,
    one_currency_problem,
    period_details,
)
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.store.journals import posted_details_before, read_plan, save_plan

BILLING_COLUMNS = ["customer_id", "currency", "product_code", "period", "amount_cents"]
ORDER_COLUMNS = [
    "customer_id",
    "order_number",
    "order_item_number",
    "product_code",
    "currency",
    "service_start_date",
    "service_end_date",
    "amount_cents",
    "recognition",
]
# Without OneWorld every detail's subsidiary is "": the hand-computed rows leave it out.
DETAIL_COLUMNS = [k for k in DETAIL_KEY if k != "subsidiary"] + ["amount_cents"]

MAPPING = parse_mapping_csv(
    "account_type,netsuite_account_id,product_code,department,class,location,subsidiary,"
    "cseg_region\n"
    "contra_revenue,63,,1,,,2,\n"
    "deferred_revenue,58,,1,,,2,\n"
    "revenue,61,,1,5,,2,9\n"
    "revenue,62,SVC,4,5,,2,9\n"  # the revenue override for product SVC
    "unbilled_receivable,54,,1,,,2,\n"
)
DEP1 = (("department", "1"),)
REV_DEFAULT = (("class", "5"), ("cseg_region", "9"), ("department", "1"))
REV_SVC = (("class", "5"), ("cseg_region", "9"), ("department", "4"))


def billing_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=BILLING_COLUMNS)


def details_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS).assign(subsidiary="")


def rows_of(frame: pd.DataFrame) -> list[tuple]:
    """The rows without their subsidiary, which must be "" (no OneWorld here)."""
    assert set(frame["subsidiary"]) <= {""}, "a subsidiary appeared without OneWorld"
    return [tuple(r) for r in frame[DETAIL_COLUMNS].itertuples(index=False)]


# The scenario. Go-live 2026-10.
# A, billed ahead: order SO-A 12,000.00 ratable 2026-10-01 .. 2027-09-30 (365 days); invoiced
#   12,000.00 in 2026-10 and credited −500.00 in 2026-10.
# B, billed behind: order SO-B 3,000.00 ratable 2026-09-01 .. 2026-11-30 (30 + 31 + 30 = 91
#   days); nothing billed until a 1,000.00 invoice in 2026-10.
ORDERS = pd.DataFrame(
    [
        (
            "A",
            "SO-A",
            "1",
            "SUB",
            "USD",
            date(2026, 10, 1),
            date(2027, 9, 30),
            1_200_000,
            "ratable",
        ),
        ("B", "SO-B", "1", "SVC", "USD", date(2026, 9, 1), date(2026, 11, 30), 300_000, "ratable"),
    ],
    columns=ORDER_COLUMNS,
)
OCTOBER_BILLING = [
    ("A", "USD", "SUB", "2026-10", 1_200_000),  # invoice
    ("A", "USD", "SUB", "2026-10", -50_000),  # credit memo
    ("B", "USD", "SVC", "2026-10", 100_000),  # invoice
]

# Revenue, by hand (cumulative = round(days × amount / total days), then differenced):
#   A through Oct: 31 × 1,200,000 / 365 = 101,917.81 → 101,918
#   A through Nov: 61 × 1,200,000 / 365 = 200,547.95 → 200,548; November 98,630
#   B through Sep: 30 × 300,000 / 91 = 98,901.10 → 98,901 (before go-live: opening balance)
#   B through Oct: 61 × 300,000 / 91 = 201,098.90 → 201,099; October 102,198
#   B through Nov: 300,000; November 98,901
# Billing in October: A 1,200,000 − 50,000 = 1,150,000; B 100,000.
# Unbilled = max(CR − CB, 0) per customer:
#   A: max(101,918 − 1,150,000, 0) = 0 at every period end → nothing
#   B: end Sep max(98,901 − 0, 0) = 98,901 (opening), end Oct max(201,099 − 100,000, 0) =
#      101,099 → October posts the change 101,099 − 98,901 = 2,198
OCTOBER_DETAILS = [
    ("billing", "A", "USD", "SUB", 1_150_000),
    ("billing", "B", "USD", "SVC", 100_000),
    ("revenue", "A", "USD", "SUB", 101_918),
    ("revenue", "B", "USD", "SVC", 102_198),  # not 201,099: September is the opening balance
    ("unbilled", "B", "USD", "", 2_198),  # not 101,099: only the change
]

# Entries: billing = Dr Contra 63 / Cr Deferred 58 (no override for contra or deferred, so both
# products land on the default rows, department 1): 1,150,000 + 100,000 = 1,250,000.
# Revenue = Dr Deferred 58 / Cr Revenue: SUB → 61 (default row), SVC → 62 (override,
# department 4); Dr 58 = 101,918 + 102,198 = 204,116.
# Unbilled = Dr Unbilled 54 / Cr Deferred 58: 2,198.
# Lines are sorted by (account, segments).
OCTOBER_ENTRIES = [
    JournalEntry(
        "revrec-2026-10-billing-USD-1",
        "2026-10",
        "billing",
        "USD",
        1,
        (
            JournalLine("58", 0, 1_250_000, DEP1),
            JournalLine("63", 1_250_000, 0, DEP1),
        ),
    ),
    JournalEntry(
        "revrec-2026-10-revenue-USD-1",
        "2026-10",
        "revenue",
        "USD",
        1,
        (
            JournalLine("58", 204_116, 0, DEP1),
            JournalLine("61", 0, 101_918, REV_DEFAULT),
            JournalLine("62", 0, 102_198, REV_SVC),
        ),
    ),
    JournalEntry(
        "revrec-2026-10-unbilled-USD-1",
        "2026-10",
        "unbilled",
        "USD",
        1,
        (
            JournalLine("54", 2_198, 0, DEP1),
            JournalLine("58", 0, 2_198, DEP1),
        ),
    ),
]


def october_details() -> pd.DataFrame:
    return period_details(
        billing_frame(OCTOBER_BILLING), ORDERS, "2026-10", "2026-10", pd.DataFrame()
    )


def test_cumulative_targets_at_the_end_of_october():
    targets = cumulative_targets(billing_frame(OCTOBER_BILLING), ORDERS, "2026-10")
    assert sorted(rows_of(targets)) == [
        ("billing", "A", "USD", "SUB", 1_150_000),
        ("billing", "B", "USD", "SVC", 100_000),
        ("revenue", "A", "USD", "SUB", 101_918),
        ("revenue", "B", "USD", "SVC", 201_099),
        ("unbilled", "A", "USD", "", 0),
        ("unbilled", "B", "USD", "", 101_099),
    ]


def test_october_details_carry_only_octobers_activity():
    details = october_details()
    assert list(details.columns) == [*DETAIL_KEY, "amount_cents"]
    assert rows_of(details) == OCTOBER_DETAILS
    assert details["amount_cents"].dtype == "int64"


def test_october_entries_by_hand():
    entries = build_entries(october_details(), MAPPING, "2026-10")
    assert entries == OCTOBER_ENTRIES
    for entry in entries:
        assert entry.balanced
        assert entry.tran_date == "2026-10-31"
    assert [e.debit_cents for e in entries] == [1_250_000, 204_116, 2_198]
    assert external_id("2026-10", "billing", "USD", 1) == "revrec-2026-10-billing-USD-1"


def test_everything_before_go_live_is_opening_balance():
    # B is also billed 400.00 in September, before go-live: the first period posts none of
    # September's billing, revenue or unbilled balance, only October's own activity.
    billing = billing_frame([("B", "USD", "SVC", "2026-09", 40_000), *OCTOBER_BILLING])
    details = period_details(billing, ORDERS, "2026-10", "2026-10", pd.DataFrame())
    # B billed: end Sep 40,000, end Oct 140,000 → October 100,000 as before.
    # B unbilled: end Sep max(98,901 − 40,000, 0) = 58,901; end Oct max(201,099 − 140,000, 0) =
    # 61,099 → change 2,198, the same as when nothing was billed in September.
    assert rows_of(details) == OCTOBER_DETAILS


def test_catch_up_of_a_closed_period_on_the_store(store):
    october = october_details()
    with store.write() as conn:
        save_plan(conn, "2026-10", october, OCTOBER_ENTRIES)
    october_rows = store.snapshot("journal_detail")
    assert [row[1:-1] for row in october_rows] == OCTOBER_DETAILS
    assert {row[-1] for row in october_rows} == {""}  # the subsidiary: none without OneWorld
    assert {row[0] for row in october_rows} == {"2026-10"}

    # After the close, A's October invoice is edited from 12,000.00 to 11,000.00 (−100,000 in
    # 2026-10, a closed period); November brings A 600.00 and B 2,000.00.
    billing = billing_frame(
        [
            ("A", "USD", "SUB", "2026-10", 1_100_000),
            ("A", "USD", "SUB", "2026-10", -50_000),
            ("B", "USD", "SVC", "2026-10", 100_000),
            ("A", "USD", "SUB", "2026-11", 60_000),
            ("B", "USD", "SVC", "2026-11", 200_000),
        ]
    )
    with store.read() as conn:
        posted = posted_details_before(conn, "2026-11")
    assert sorted(rows_of(posted)) == OCTOBER_DETAILS
    november = period_details(billing, ORDERS, "2026-11", "2026-10", posted)
    # A billing: target end Nov 1,100,000 − 50,000 + 60,000 = 1,110,000, minus opening 0, minus
    #   posted 1,150,000 = −40,000 = November's +60,000 plus October's change −100,000.
    # B billing: 300,000 − 0 − 100,000 = 200,000.
    # Revenue: A 200,548 − 101,918 = 98,630; B 300,000 − 98,901 (opening) − 102,198 = 98,901.
    # B unbilled: end Nov max(300,000 − 300,000, 0) = 0, minus opening 98,901, minus posted 2,198
    #   = −101,099 (the whole balance reverses). A unbilled stays 0.
    assert rows_of(november) == [
        ("billing", "A", "USD", "SUB", -40_000),
        ("billing", "B", "USD", "SVC", 200_000),
        ("revenue", "A", "USD", "SUB", 98_630),
        ("revenue", "B", "USD", "SVC", 98_901),
        ("unbilled", "B", "USD", "", -101_099),
    ]
    entries = build_entries(november, MAPPING, "2026-11")
    # Billing nets to −40,000 + 200,000 = 160,000 on one pair of accounts; revenue Dr 58
    # 98,630 + 98,901 = 197,531; unbilled −101,099 flips: Dr Deferred 58 / Cr Unbilled 54.
    assert entries == [
        JournalEntry(
            "revrec-2026-11-billing-USD-1",
            "2026-11",
            "billing",
            "USD",
            1,
            (JournalLine("58", 0, 160_000, DEP1), JournalLine("63", 160_000, 0, DEP1)),
        ),
        JournalEntry(
            "revrec-2026-11-revenue-USD-1",
            "2026-11",
            "revenue",
            "USD",
            1,
            (
                JournalLine("58", 197_531, 0, DEP1),
                JournalLine("61", 0, 98_630, REV_DEFAULT),
                JournalLine("62", 0, 98_901, REV_SVC),
            ),
        ),
        JournalEntry(
            "revrec-2026-11-unbilled-USD-1",
            "2026-11",
            "unbilled",
            "USD",
            1,
            (JournalLine("54", 0, 101_099, DEP1), JournalLine("58", 101_099, 0, DEP1)),
        ),
    ]
    assert all(e.balanced and e.tran_date == "2026-11-30" for e in entries)

    with store.write() as conn:
        save_plan(conn, "2026-11", november, entries)
    # The closed period is never rewritten: its details and entries are as frozen.
    assert [r for r in store.snapshot("journal_detail") if r[0] == "2026-10"] == october_rows
    with store.read() as conn:
        assert [entry for entry, _ in read_plan(conn, "2026-10")] == OCTOBER_ENTRIES
        assert [entry for entry, _ in read_plan(conn, "2026-11")] == entries
        states = [state for _, state in read_plan(conn, "2026-11")]
        # With both periods posted, December has nothing to catch up.
        posted = posted_details_before(conn, "2026-12")
    assert [(s["status"], s["line_count"], s["debit_cents"]) for s in states] == [
        ("planned", 2, 160_000),
        ("planned", 3, 197_531),
        ("planned", 2, 101_099),
    ]
    assert str(states[0]["tran_date"]) == "2026-11-30"
    december = period_details(billing, ORDERS, "2026-12", "2026-10", posted)
    # December: only A's revenue; through Dec 31 + 30 + 31 = 92 days → round(92 × 1,200,000 /
    # 365) = round(302,465.75) = 302,466, minus 200,548 posted = 101,918.
    assert rows_of(december) == [("revenue", "A", "USD", "SUB", 101_918)]


def test_negative_billing_flips_debit_and_credit():
    # Only a −500.00 credit memo in the period: Dr Deferred 58 / Cr Contra 63.
    details = details_frame([("billing", "A", "USD", "SUB", -50_000)])
    assert build_entries(details, MAPPING, "2026-10") == [
        JournalEntry(
            "revrec-2026-10-billing-USD-1",
            "2026-10",
            "billing",
            "USD",
            1,
            (JournalLine("58", 50_000, 0, DEP1), JournalLine("63", 0, 50_000, DEP1)),
        )
    ]
    # A negative revenue (a corrected order) debits Revenue and credits Deferred.
    details = details_frame([("revenue", "B", "USD", "SVC", -1_234)])
    (entry,) = build_entries(details, MAPPING, "2026-10")
    assert entry.lines == (JournalLine("58", 0, 1_234, DEP1), JournalLine("62", 1_234, 0, REV_SVC))


def test_one_entry_per_event_and_currency_point_in_time_included():
    # C (EUR): a 100.00 point_in_time order starting 2026-10-15, billed 100.00 in 2026-10;
    # revenue all in October, unbilled max(10,000 − 10,000, 0) = 0.
    orders = pd.concat(
        [
            ORDERS,
            pd.DataFrame(
                [
                    (
                        "C",
                        "SO-C",
                        "1",
                        "SETUP",
                        "EUR",
                        date(2026, 10, 15),
                        date(2027, 3, 31),
                        10_000,
                        "point_in_time",
                    )
                ],
                columns=ORDER_COLUMNS,
            ),
        ],
        ignore_index=True,
    )
    billing = billing_frame([*OCTOBER_BILLING, ("C", "EUR", "SETUP", "2026-10", 10_000)])
    details = period_details(billing, orders, "2026-10", "2026-10", pd.DataFrame())
    assert rows_of(details) == sorted(
        [
            *OCTOBER_DETAILS,
            ("billing", "C", "EUR", "SETUP", 10_000),
            ("revenue", "C", "EUR", "SETUP", 10_000),
        ]
    )
    entries = build_entries(details, MAPPING, "2026-10")
    assert [e.external_id for e in entries] == [
        "revrec-2026-10-billing-EUR-1",
        "revrec-2026-10-billing-USD-1",
        "revrec-2026-10-revenue-EUR-1",
        "revrec-2026-10-revenue-USD-1",
        "revrec-2026-10-unbilled-USD-1",
    ]
    assert entries[0].lines == (
        JournalLine("58", 0, 10_000, DEP1),
        JournalLine("63", 10_000, 0, DEP1),
    )
    assert entries[2].lines == (
        JournalLine("58", 10_000, 0, DEP1),
        JournalLine("61", 0, 10_000, REV_DEFAULT),
    )
    assert [e for e in entries if e.currency == "USD"] == OCTOBER_ENTRIES


def test_no_activity_no_entries():
    details = period_details(
        billing_frame([]), ORDERS.iloc[0:0], "2026-10", "2026-10", pd.DataFrame()
    )
    assert len(details) == 0
    assert build_entries(details, MAPPING, "2026-10") == []
    assert needed_accounts(details) == {}


# -- splitting past max_lines ------------------------------------------------------------------------

SPLIT_MAPPING = parse_mapping_csv(
    "account_type,netsuite_account_id,product_code,department\n"
    "contra_revenue,63,,1\n"
    "deferred_revenue,58,,1\n"
    "revenue,61,,1\n"
    "revenue,61,P1,11\n"
    "revenue,61,P2,12\n"
    "revenue,61,P3,13\n"
    "revenue,61,P4,14\n"
    "revenue,61,P5,15\n"
    "unbilled_receivable,54,,1\n"
)


def net_by_account(entries: list[JournalEntry]) -> dict[tuple, int]:
    net: dict[tuple, int] = defaultdict(int)
    for entry in entries:
        for line in entry.lines:
            net[(entry.event, entry.currency, line.account_id, line.segments)] += (
                line.debit_cents - line.credit_cents
            )
    return {key: cents for key, cents in net.items() if cents}


def d(number: int) -> tuple[tuple[str, str], ...]:
    """The segments of a line in department `number`."""
    return (("department", str(number)),)


def test_more_than_max_lines_splits_into_balanced_numbered_entries():
    details = details_frame(
        [
            ("billing", "A", "USD", "P1", 1_500),
            ("revenue", "A", "USD", "P1", 100),
            ("revenue", "A", "USD", "P2", 200),
            ("revenue", "A", "USD", "P3", 300),
            ("revenue", "A", "USD", "P4", 400),
            ("revenue", "A", "USD", "P5", 500),
            ("revenue", "B", "USD", "P1", 50),
        ]
    )
    # Unsplit, revenue has 6 lines (Dr 58: 1,550; Cr 61 for departments 11..15: 150, 200, 300,
    # 400, 500) > 4, so it continues in further entries of at most 4 lines, each balanced.
    unsplit = build_entries(details, SPLIT_MAPPING, "2026-10")
    assert [(e.external_id, len(e.lines)) for e in unsplit] == [
        ("revrec-2026-10-billing-USD-1", 2),
        ("revrec-2026-10-revenue-USD-1", 6),
    ]
    split = build_entries(details, SPLIT_MAPPING, "2026-10", max_lines=4)
    assert split == [
        unsplit[0],  # 2 lines: untouched
        JournalEntry(
            "revrec-2026-10-revenue-USD-1",
            "2026-10",
            "revenue",
            "USD",
            1,
            (
                JournalLine("58", 350, 0, d(1)),  # 150 + 200
                JournalLine("61", 0, 150, d(11)),  # A 100 + B 50
                JournalLine("61", 0, 200, d(12)),
            ),
        ),
        JournalEntry(
            "revrec-2026-10-revenue-USD-2",
            "2026-10",
            "revenue",
            "USD",
            2,
            (
                JournalLine("58", 700, 0, d(1)),  # 300 + 400
                JournalLine("61", 0, 300, d(13)),
                JournalLine("61", 0, 400, d(14)),
            ),
        ),
        JournalEntry(
            "revrec-2026-10-revenue-USD-3",
            "2026-10",
            "revenue",
            "USD",
            3,
            (JournalLine("58", 500, 0, d(1)), JournalLine("61", 0, 500, d(15))),
        ),
    ]
    assert all(e.balanced and len(e.lines) <= 4 for e in split)
    assert net_by_account(split) == net_by_account(unsplit)
    assert sum(e.debit_cents for e in split) == sum(e.debit_cents for e in unsplit) == 3_050


@pytest.mark.parametrize("max_lines", [3, 5])
def test_odd_max_lines_is_never_exceeded(max_lines):
    # Every product on its own deferred and revenue departments: each pair adds 2 lines.
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code,department\n"
        "deferred_revenue,58,P1,11\ndeferred_revenue,58,P2,12\ndeferred_revenue,58,P3,13\n"
        "revenue,61,P1,11\nrevenue,61,P2,12\nrevenue,61,P3,13\n"
    )
    details = details_frame([("revenue", "A", "USD", f"P{i}", i * 100) for i in (1, 2, 3)])
    unsplit = build_entries(details, mapping, "2026-10")
    assert len(unsplit[0].lines) == 6
    split = build_entries(details, mapping, "2026-10", max_lines=max_lines)
    assert net_by_account(split) == net_by_account(unsplit)
    assert all(e.balanced for e in split)
    assert [len(e.lines) for e in split if len(e.lines) > max_lines] == []


# -- mapping coverage and the REST body ---------------------------------------------------------------


def test_needed_accounts_and_an_unmapped_type_named():
    details = october_details()
    assert needed_accounts(details) == {
        ("contra_revenue", ""): {"SUB", "SVC"},
        ("deferred_revenue", ""): {"SUB", "SVC", ""},
        ("revenue", ""): {"SUB", "SVC"},
        ("unbilled_receivable", ""): {""},
    }
    assert MAPPING.missing(needed_accounts(details)) == []
    partial = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code\n"
        "contra_revenue,63,\n"
        "deferred_revenue,58,\n"
        "revenue,62,SVC\n"  # an override only: SUB has no revenue account
    )
    assert partial.missing(needed_accounts(details)) == [
        "account type revenue is not mapped (needed for SUB); add a default row for revenue to "
        "the mapping file.",
        "account type unbilled_receivable is not mapped (needed for (default)); add a default "
        "row for unbilled_receivable to the mapping file.",
    ]


def assert_reference(value) -> None:
    """A reference is exactly {"id": <internal id, digits, as a string>}."""
    assert isinstance(value, dict) and set(value) == {"id"}, value
    assert isinstance(value["id"], str) and value["id"].isdigit(), value


def test_entry_body_has_internal_id_references_and_numbers():
    revenue = OCTOBER_ENTRIES[1]
    body = entry_body(revenue, currency_id="1", subsidiary="2", posting_period_id="345")
    assert body == {
        "externalId": "revrec-2026-10-revenue-USD-1",
        "tranDate": "2026-10-31",
        "currency": {"id": "1"},
        "memo": "RevRec revenue 2026-10 USD (1)",
        "subsidiary": {"id": "2"},
        "postingPeriod": {"id": "345"},
        "line": {
            "items": [
                {
                    "account": {"id": "58"},
                    "memo": "RevRec revenue",
                    "debit": 2041.16,
                    "department": {"id": "1"},
                },
                {
                    "account": {"id": "61"},
                    "memo": "RevRec revenue",
                    "credit": 1019.18,
                    "class": {"id": "5"},
                    "cseg_region": {"id": "9"},
                    "department": {"id": "1"},
                },
                {
                    "account": {"id": "62"},
                    "memo": "RevRec revenue",
                    "credit": 1021.98,
                    "class": {"id": "5"},
                    "cseg_region": {"id": "9"},
                    "department": {"id": "4"},
                },
            ]
        },
    }
    for key in ("currency", "subsidiary", "postingPeriod"):
        assert_reference(body[key])
    for item in body["line"]["items"]:
        amounts = [k for k in ("debit", "credit") if k in item]
        assert len(amounts) == 1 and isinstance(item[amounts[0]], float | int)
        assert item[amounts[0]] > 0
        for key, value in item.items():
            if key not in ("memo", "debit", "credit"):
                assert_reference(value)
    debit = sum(round(i.get("debit", 0) * 100) for i in body["line"]["items"])
    credit = sum(round(i.get("credit", 0) * 100) for i in body["line"]["items"])
    assert debit == credit == 204_116


def test_entry_body_without_subsidiary_or_posting_period():
    body = entry_body(OCTOBER_ENTRIES[0], currency_id="1", subsidiary="")
    assert "subsidiary" not in body and "postingPeriod" not in body
    assert [(i["account"], i.get("debit"), i.get("credit")) for i in body["line"]["items"]] == [
        ({"id": "58"}, None, 12500.0),
        ({"id": "63"}, 12500.0, None),
    ]


def test_entry_body_leaves_out_what_the_account_lacks_and_can_send_approved():
    """No currency without Multiple Currencies, no subsidiary without OneWorld (the caller
    passes none); `approved` only when NETSUITE_JOURNAL_APPROVED opts in."""
    plain = entry_body(OCTOBER_ENTRIES[0], None, "", "345")
    assert not {"currency", "subsidiary", "approved"} & set(plain)
    assert plain["postingPeriod"] == {"id": "345"}
    approved = entry_body(OCTOBER_ENTRIES[0], "1", "2", "345", approved=True)
    assert approved["approved"] is True and approved["currency"] == {"id": "1"}
    assert {
        k: v for k, v in approved.items() if k not in ("approved", "currency", "subsidiary")
    } == plain


def test_entries_in_several_currencies_without_multiple_currencies():
    usd = OCTOBER_ENTRIES[0]
    eur = JournalEntry("revrec-2026-10-billing-EUR-1", "2026-10", "billing", "EUR", 1, usd.lines)
    assert one_currency_problem([usd, usd], "2026-10", ["USD"]) is None
    assert one_currency_problem([], "2026-10", []) is None
    assert one_currency_problem([usd, eur], "2026-10", ["USD"]) == (
        "The journal entries for 2026-10 are in EUR and USD, but the NetSuite account does not "
        "have the Multiple Currencies feature, so it would book every one in its base currency; "
        "nothing was posted."
    )


def test_entries_in_a_currency_the_one_currency_account_lacks_are_refused():
    """Without Multiple Currencies no currency is sent: EUR entries in a USD account would be
    booked as USD amounts."""
    usd = OCTOBER_ENTRIES[0]
    eur = JournalEntry("revrec-2026-10-billing-EUR-1", "2026-10", "billing", "EUR", 1, usd.lines)
    assert one_currency_problem([eur, eur], "2026-10", ["EUR"]) is None
    assert one_currency_problem([eur], "2026-10", ["USD"]) == (
        "The journal entries for 2026-10 are in EUR, but the NetSuite account does not have the "
        "Multiple Currencies feature and its only currency is USD, so it would book them as USD "
        "amounts; nothing was posted."
    )


def test_the_one_currency_account_whose_currency_is_not_known_is_refused():
    usd = OCTOBER_ENTRIES[0]
    assert one_currency_problem([usd], "2026-10", []) == (
        "The journal entries for 2026-10 are in USD and the NetSuite account does not have the "
        "Multiple Currencies feature, but the store has not read its currency from NetSuite "
        "yet; run `revrec sync` to read it, then post again; nothing was posted."
    )
    assert one_currency_problem([usd], "2026-10", ["USD", "EUR"]) == (
        "The journal entries for 2026-10 are in USD and the NetSuite account does not have the "
        "Multiple Currencies feature, but the store lists 2 currencies for it (EUR, USD), so its "
        "one currency cannot be told; run `revrec connect` to profile the account again (it "
        "may have Multiple Currencies now), then post again; nothing was posted."
    )

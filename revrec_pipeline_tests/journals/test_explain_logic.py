"""The audit trail's decomposition (journals/explain.py) on a hand-computed example: a period
with its own billing, a catch-up of an edited earlier invoice, an unbilled balance, a customer
billed ahead, entries continued past their line limit, and data edited after the plan froze."""

from __future__ import annotations

import pandas as pd
import pytest

from revrec_pipeline.journals.entries import build_entries, period_details
from revrec_pipeline.journals.explain import (
    BALANCE,
    CATCH_UP,
    CHANGED,
    PERIOD,
    POSTED,
    ExplainError,
    explain_period,
    explanation_text,
)
from revrec_pipeline.journals.mapping import parse_mapping_csv

KEY = ["event", "customer_id", "currency", "product_code"]
MAPPING = parse_mapping_csv(
    "account_type,netsuite_account_id,product_code,department\n"
    "contra_revenue,63,,\ndeferred_revenue,58,,\nrevenue,61,,1\nrevenue,62,B,2\n"
    "unbilled_receivable,54,,\n"
)


def order(customer, number, product, start, end, cents, recognition="ratable", currency="USD"):
    return {
        "order_number": number,
        "order_item_number": "1",
        "customer_id": customer,
        "product_code": product,
        "service_start_date": pd.Timestamp(start).date(),
        "service_end_date": pd.Timestamp(end).date(),
        "amount_cents": cents,
        "currency": currency,
        "recognition": recognition,
    }


def bill(customer, netsuite_id, line, product, period, cents, currency="USD"):
    return {
        "customer_id": customer,
        "currency": currency,
        "product_code": product,
        "period": period,
        "amount_cents": cents,
        "netsuite_id": netsuite_id,
        "line_id": line,
        "document_type": "Invoice",
        "document_number": f"INV{netsuite_id}",
    }


# C1: A ratable 2026-09-01..2026-12-31 (122 days, 1.00 a day), B point in time in November.
# C3: A ratable October..November (61 days, 1.00 a day), billed ahead in November.
ORDERS = pd.DataFrame(
    [
        order("C1", "SO-1", "A", "2026-09-01", "2026-12-31", 12200),
        order("C1", "SO-2", "B", "2026-11-15", "2026-11-15", 5000, "point_in_time"),
        order("C3", "SO-3", "A", "2026-10-01", "2026-11-30", 6100),
    ]
)
OCTOBER_BILLING = [
    bill("C1", 1, 1, "A", "2026-09", 4000),  # before go-live: opening
    bill("C1", 2, 1, "A", "2026-10", 800),  # edited to 1000 after October was posted
]
NOVEMBER_BILLING = [
    bill("C1", 3, 1, "A", "2026-11", 2000),
    bill("C1", 3, 2, "B", "2026-11", 5000),
    bill("C3", 4, 1, "A", "2026-11", 7000),
]


def frame(rows):
    return pd.DataFrame(rows)


def november(max_lines: int = 1000):
    """October planned on the original data, then the October invoice edited, November planned."""
    before = frame(OCTOBER_BILLING + NOVEMBER_BILLING)
    october = period_details(
        before, ORDERS, "2026-10", "2026-10", pd.DataFrame(columns=[*KEY, "amount_cents"])
    )
    posted = october.assign(period="2026-10")
    billing = before.copy()
    billing.loc[(billing["netsuite_id"] == 2), "amount_cents"] = 1000
    details = period_details(billing, ORDERS, "2026-11", "2026-10", posted[[*KEY, "amount_cents"]])
    plan = build_entries(details, MAPPING, "2026-11", max_lines)
    return dict(
        period="2026-11",
        go_live="2026-10",
        plan=plan,
        details=details,
        posted=posted,
        mapping=MAPPING,
        billing=billing,
        orders=ORDERS,
        max_lines=max_lines,
    )


def components(explanation):
    return {
        (r["event"], r["customer_id"], r["product_code"], r["component"]): r["amount_cents"]
        for r in explanation.components.to_dict(orient="records")
    }


def sources(explanation, event, customer, product, component):
    s = explanation.sources
    s = s[(s["event"] == event) & (s["customer_id"] == customer) & (s["product_code"] == product)]
    s = s[s["component"] == component]
    return sorted(
        (r["source"], r["reference"].split(",")[0], r["amount_cents"]) for r in s.to_dict("records")
    )


def test_the_hand_computed_november():
    explanation = explain_period(**november())
    # By hand (cents): C1 A billed 2,000 in November plus the +200 edit of October's invoice (now
    # 1,000, posted 800); revenue: 30 days × 100 = 3,000 for each A, B 5,000 at once;
    # C1 unbilled balance: recognized 9,100 + 5,000 − billed 12,000 = 2,100, October posted
    # 6,100 − 4,800 = 1,300 (opening: 3,000 recognized < 4,000 billed, none);
    # C3: billed 7,000 ahead of 6,100 recognized, so its October unbilled 3,100 reverses.
    assert components(explanation) == {
        ("billing", "C1", "A", PERIOD): 2000,
        ("billing", "C1", "A", CATCH_UP): 200,
        ("billing", "C1", "B", PERIOD): 5000,
        ("billing", "C3", "A", PERIOD): 7000,
        ("revenue", "C1", "A", PERIOD): 3000,
        ("revenue", "C1", "B", PERIOD): 5000,
        ("revenue", "C3", "A", PERIOD): 3000,
        ("unbilled", "C1", "", BALANCE): 2100,
        ("unbilled", "C1", "", POSTED): -1300,
        ("unbilled", "C3", "", BALANCE): 0,
        ("unbilled", "C3", "", POSTED): -3100,
    }
    assert sources(explanation, "billing", "C1", "A", CATCH_UP) == [
        ("billing_line", "Invoice INV2 (NetSuite 2", 1000),
        ("posted_detail", "posted in 2026-10", -800),
    ]
    assert sources(explanation, "unbilled", "C1", "", BALANCE) == [
        ("billing_line", "Invoice INV1 (NetSuite 1", -4000),
        ("billing_line", "Invoice INV2 (NetSuite 2", -1000),
        ("billing_line", "Invoice INV3 (NetSuite 3", -5000),
        ("billing_line", "Invoice INV3 (NetSuite 3", -2000),
        ("sales_order_line", "Sales order SO-1 line 1", 9100),
        ("sales_order_line", "Sales order SO-2 line 1", 5000),
    ]
    ahead = explanation.components[explanation.components["customer_id"] == "C3"]
    note = ahead[ahead["component"] == BALANCE]["note"].iloc[0]
    assert note == "none: billed 70.00 >= recognized 61.00 through 2026-11"

    # The USD unbilled entry nets 800 − 3,100 = −2,300, so its sides flip: Dr Deferred Revenue
    # 2,300 / Cr Unbilled 2,300; on the credit line C1's 800 takes from it, C3's 3,100 adds.
    unbilled = explanation.lines[
        explanation.lines["external_id"] == "revrec-2026-11-unbilled-USD-1"
    ]
    assert sorted(
        zip(unbilled["account_id"], unbilled["side"], unbilled["amount_cents"], strict=True)
    ) == [
        ("54", "credit", 2300),
        ("58", "debit", 2300),
    ]
    parts = explanation.contributions
    line_54 = int(unbilled[unbilled["account_id"] == "54"]["line"].iloc[0])
    on_line = parts[
        (parts["external_id"] == "revrec-2026-11-unbilled-USD-1") & (parts["line"] == line_54)
    ]
    assert sorted(
        zip(on_line["customer_id"], on_line["sign"], on_line["amount_cents"], strict=True)
    ) == [
        ("C1", -1, -800),
        ("C3", -1, 3100),
    ]


def test_every_level_adds_up_also_when_entries_continue_past_their_line_limit():
    explanation = explain_period(**november(max_lines=2))
    revenue = explanation.lines[explanation.lines["external_id"].str.contains("revenue-USD")]
    assert sorted(set(revenue["external_id"])) == [
        "revrec-2026-11-revenue-USD-1",
        "revrec-2026-11-revenue-USD-2",
    ]
    totals = explanation.contributions.groupby(["external_id", "line"])["amount_cents"].sum()
    for line in explanation.lines.itertuples(index=False):
        assert int(totals[(line.external_id, line.line)]) == line.amount_cents
    # B's revenue (account 62) sits in the second entry only.
    second = explanation.contributions[
        explanation.contributions["external_id"] == "revrec-2026-11-revenue-USD-2"
    ]
    assert set(second["product_code"]) == {"B"}


def test_data_edited_after_the_plan_froze_shows_as_its_own_part_without_sources():
    inputs = november()
    billing = inputs["billing"].copy()
    billing.loc[(billing["netsuite_id"] == 3) & (billing["line_id"] == 1), "amount_cents"] = 2500
    explanation = explain_period(**{**inputs, "billing": billing})
    found = components(explanation)
    assert found[("billing", "C1", "A", PERIOD)] == 2500
    assert found[("billing", "C1", "A", CHANGED)] == -500
    assert sources(explanation, "billing", "C1", "A", CHANGED) == []
    assert found[("unbilled", "C1", "", CHANGED)] == 500  # the balance is 16.00 now, not 21.00


def test_a_mapping_other_than_the_plans_is_refused():
    inputs = november()
    other = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code\ncontra_revenue,63,\n"
        "deferred_revenue,58,\nrevenue,61,\nunbilled_receivable,54,\n"
    )
    with pytest.raises(
        ExplainError,
        match=r"^2026-11's journal entries differ from what its frozen detail gives under the account mapping now in the store",
    ):
        explain_period(**{**inputs, "mapping": other})


def test_the_text_lines_up_and_filters():
    explanation = explain_period(**november())
    text = explanation_text(explanation)
    amounts_at = {len(line) for line in text if line and line[-3] == "." and line[-1].isdigit()}
    assert len(amounts_at) == 1  # one right-aligned amount column
    assert any("catch-up: billing of 2026-10..2026-10 now, less what was posted" in t for t in text)
    only = explanation_text(explanation, account="54")
    assert sum(1 for t in only if t.startswith("revrec-")) == 1
    with pytest.raises(ExplainError, match="No journal line of 2026-11 is on account 1; its lines"):
        explanation_text(explanation, account="1")
    c3 = explanation_text(explanation, customer="C3")
    assert not any(" C1 " in t for t in c3)


def test_a_quiet_period_explains_to_no_lines():
    empty = pd.DataFrame(columns=[*KEY, "amount_cents"])
    explanation = explain_period(
        period="2026-10",
        go_live="2026-10",
        plan=[],
        details=empty,
        posted=empty.assign(period=[]),
        mapping=MAPPING,
        billing=frame([bill("C1", 1, 1, "A", "2026-09", 4000)]),
        orders=ORDERS.iloc[0:0],
    )
    assert explanation.lines.empty and explanation.components.empty
    assert explanation_text(explanation)[-1].startswith("0 of 0 lines shown")

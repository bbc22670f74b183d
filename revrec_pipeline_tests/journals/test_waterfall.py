"""The deferred revenue waterfall and RPO (SPEC §11) on a hand-computed example.

Every expected figure below is worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from revrec_pipeline.journals.recognition import revenue_schedule
from revrec_pipeline.journals.waterfall import (
    deferred_revenue_waterfall,
    future_periods,
    opening_balances,
)

MONTHS = future_periods("2026-10")  # 2026-11 .. 2027-10


def order(customer, number, product, start, end, cents, currency, recognition):
    return {
        "customer_id": customer,
        "order_number": number,
        "order_item_number": "1",
        "product_code": product,
        "service_start_date": date.fromisoformat(start),
        "service_end_date": date.fromisoformat(end),
        "amount_cents": cents,
        "currency": currency,
        "recognition": recognition,
    }


ORDERS = pd.DataFrame(
    [
        # A1: 1,000.00 ratable over 2026-07-01..2027-06-30 = 365 days (spans a year).
        order("A", "SO-1", "Platform", "2026-07-01", "2027-06-30", 100000, "USD", "ratable"),
        # A2: 500.00 point in time, starts 2026-09-15 -> all recognized in 2026-09.
        order("A", "SO-2", "Setup", "2026-09-15", "2026-09-15", 50000, "USD", "point_in_time"),
        # B1: 7,300.00 ratable over 2026-10-01..2027-09-30 = 365 days, 20.00 a day.
        order("B", "SO-3", "Platform", "2026-10-01", "2027-09-30", 730000, "USD", "ratable"),
        # B2: 200.00 point in time on 2027-12-01: after the 12 months -> "later".
        order("B", "SO-4", "Training", "2027-12-01", "2027-12-01", 20000, "USD", "point_in_time"),
        # C1: 300.00 point in time on 2026-11-10 -> the first future month.
        order("C", "SO-5", "Setup", "2026-11-10", "2026-11-10", 30000, "EUR", "point_in_time"),
    ]
)
BILLING = pd.DataFrame(
    [
        # A is billed ahead: the whole year up front in July, setup in September.
        ("A", "USD", "Platform", "2026-07", 100000),
        ("A", "USD", "Setup", "2026-09", 50000),
        # B is billed behind: 400.00 in October, and 600.00 in November (after the period).
        ("B", "USD", "Platform", "2026-10", 40000),
        ("B", "USD", "Platform", "2026-11", 60000),
        # C is billed in October for a November delivery.
        ("C", "EUR", "Setup", "2026-10", 30000),
    ],
    columns=["customer_id", "currency", "product_code", "period", "amount_cents"],
)

# A1 cumulative through each month end = round(100000 x days / 365), half away from zero:
#   2026-09-30:  92 days -> 9,200,000/365 = 25205.48 -> 25205
#   2026-10-31: 123 days -> 12,300,000/365 = 33698.63 -> 33699   (recognized to date)
#   2026-11-30: 153 -> 41917.81 -> 41918   Nov = 41918 - 33699 = 8219
#   2026-12-31: 184 -> 50410.96 -> 50411   Dec = 50411 - 41918 = 8493
#   2027-01-31: 215 -> 58904.11 -> 58904   Jan = 8493
#   2027-02-28: 243 -> 66575.34 -> 66575   Feb = 7671
#   2027-03-31: 274 -> 75068.49 -> 75068   Mar = 8493
#   2027-04-30: 304 -> 83287.67 -> 83288   Apr = 8220
#   2027-05-31: 335 -> 91780.82 -> 91781   May = 8493
#   2027-06-30: 365 -> 100000             Jun = 8219     then 0; later 0
A1 = [8219, 8493, 8493, 7671, 8493, 8220, 8493, 8219, 0, 0, 0, 0]  # sums to 66301
# B1 at 2000 a day: Oct 31 days = 62000 to date; Nov 30 d, Dec 31, Jan 31, Feb 28, Mar 31,
# Apr 30, May 31, Jun 30, Jul 31, Aug 31, Sep 30; 2027-10 nothing.
B1 = [60000, 62000, 62000, 56000, 62000, 60000, 62000, 60000, 62000, 62000, 60000, 0]  # 668000
NOTHING = [0] * 12


def line(frame, customer, product):
    row = frame[(frame["customer_id"] == customer) & (frame["product_code"] == product)]
    assert len(row) == 1
    return row.iloc[0]


def test_waterfall_per_customer_currency_and_product_by_hand():
    wf = deferred_revenue_waterfall(BILLING, ORDERS, "2026-10")
    assert wf.months == tuple(MONTHS) and MONTHS[0] == "2026-11" and MONTHS[-1] == "2027-10"
    expected = {
        # (customer, product): (currency, contract, recognized to date, 12 months, later)
        ("A", "Platform"): ("USD", 100000, 33699, A1, 0),
        ("A", "Setup"): ("USD", 50000, 50000, NOTHING, 0),
        ("B", "Platform"): ("USD", 730000, 62000, B1, 0),
        ("B", "Training"): ("USD", 20000, 0, NOTHING, 20000),
        ("C", "Setup"): ("EUR", 30000, 0, [30000, *[0] * 11], 0),
    }
    assert len(wf.lines) == len(expected)
    for (customer, product), (currency, contract, recognized, months, later) in expected.items():
        row = line(wf.lines, customer, product)
        assert row["currency"] == currency
        assert int(row["contract_cents"]) == contract
        assert int(row["recognized_cents"]) == recognized
        assert [int(row[m]) for m in MONTHS] == months, (customer, product)
        assert int(row["later_cents"]) == later
    assert all(pd.api.types.is_integer_dtype(wf.lines[c]) for c in wf.lines.columns[4:])
    assert set(wf.lines["subsidiary"]) == {""}  # no OneWorld here


def test_balances_per_customer_and_currency_by_hand():
    wf = deferred_revenue_waterfall(BILLING, ORDERS, "2026-10")
    got = {
        (r.customer_id, r.currency): (
            r.billed_cents,
            r.recognized_cents,
            r.deferred_cents,
            r.unbilled_cents,
        )
        for r in wf.balances.itertuples()
    }
    assert got == {
        # A: CB = 100000 + 50000 = 150000; CR = 33699 + 50000 = 83699;
        #    deferred = 150000 - 83699 = 66301, unbilled 0 (billed ahead).
        ("A", "USD"): (150000, 83699, 66301, 0),
        # B: CB = 40000 (November's 60000 is after the period); CR = 62000;
        #    deferred 0, unbilled = 62000 - 40000 = 22000 (billed behind).
        ("B", "USD"): (40000, 62000, 0, 22000),
        # C: CB = 30000, CR = 0: deferred 30000.
        ("C", "EUR"): (30000, 0, 30000, 0),
    }


def test_rpo_and_crpo_per_currency_by_hand():
    wf = deferred_revenue_waterfall(BILLING, ORDERS, "2026-10")
    got = {r.currency: tuple(int(v) for v in r[2:]) for r in wf.rpo.itertuples()}
    assert got == {
        # USD contract = 100000 + 50000 + 730000 + 20000 = 900000
        #     recognized = 33699 + 50000 + 62000 = 145699; RPO = 900000 - 145699 = 754301
        #     cRPO = 66301 (A1) + 668000 (B1) = 734301; the 20000 training is later.
        #     deferred 66301 (A), unbilled 22000 (B)
        "USD": (900000, 145699, 754301, 734301, 66301, 22000),
        # EUR contract 30000, nothing recognized: RPO 30000, all of it in November.
        "EUR": (30000, 0, 30000, 30000, 30000, 0),
    }
    assert wf.totals("rpo_cents") == {"EUR": 30000, "USD": 754301}


def test_opening_balances_at_go_live_by_hand():
    opening = opening_balances(BILLING, ORDERS, "2026-10")  # as at 2026-09-30
    got = {
        (r.customer_id, r.currency): (r.deferred_cents, r.unbilled_cents)
        for r in opening.itertuples()
    }
    # A: CB = 150000, CR = 25205 + 50000 = 75205 -> deferred 74795. B, C: nothing yet
    # (their order lines are there, nothing billed or recognized).
    assert got == {("A", "USD"): (74795, 0), ("B", "USD"): (0, 0), ("C", "EUR"): (0, 0)}


def test_rpo_is_contract_minus_recognized_and_months_add_up():
    wf = deferred_revenue_waterfall(BILLING, ORDERS, "2026-10")
    remaining = wf.lines[list(MONTHS)].sum(axis=1) + wf.lines["later_cents"]
    assert (remaining == wf.lines["contract_cents"] - wf.lines["recognized_cents"]).all()
    rpo = wf.rpo.set_index("currency")
    assert (rpo["rpo_cents"] == rpo["contract_cents"] - rpo["recognized_cents"]).all()


def test_recognized_agrees_with_the_revenue_schedule_to_the_cent():
    wf = deferred_revenue_waterfall(BILLING, ORDERS, "2026-10")
    schedule = revenue_schedule(ORDERS)
    for period in ("2026-10", *MONTHS):
        through = schedule[schedule["period"] <= period]
        by_key = through.groupby(["customer_id", "product_code"])["revenue_cents"].sum()
        cumulative = wf.lines.set_index(["customer_id", "product_code"])["recognized_cents"]
        for month in MONTHS:
            if month <= period:
                cumulative = cumulative + wf.lines.set_index(["customer_id", "product_code"])[month]
        assert cumulative[cumulative != 0].sort_index().to_dict() == by_key[by_key != 0].to_dict()


def test_no_orders_and_no_billing():
    empty_orders = ORDERS.iloc[0:0]
    wf = deferred_revenue_waterfall(BILLING.iloc[0:0], empty_orders, "2026-10")
    assert wf.lines.empty and wf.balances.empty and wf.rpo.empty
    # Billing without any order: all of it deferred.
    wf = deferred_revenue_waterfall(BILLING[BILLING["customer_id"] == "C"], empty_orders, "2026-10")
    assert wf.totals("deferred_cents") == {"EUR": 30000}
    assert wf.totals("rpo_cents") == {"EUR": 0}

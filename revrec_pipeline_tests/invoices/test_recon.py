"""Invoice reconciliation (SPEC §6): NetSuite = RevRec + Pending + Excluded + Difference, exact
integer cents, per (period, NetSuite customer, currency) and per (period, currency)."""

from __future__ import annotations

import pandas as pd

from revrec_pipeline.invoices.recon import (
    DETAIL_COLUMNS,
    SUMMARY_COLUMNS,
    describe_differences,
    recon_details,
    recon_summary,
)
from revrec_pipeline_tests.invoices import sample
from revrec_pipeline_tests.invoices.sample import classify, exclude

AMOUNTS = ["netsuite_cents", "revrec_cents", "pending_cents", "excluded_cents", "difference_cents"]


def classified():
    # HW-1 (100/3, 5000) excluded; Globex (101/1 7550, 101/2 20000) pending.
    return classify(exclude("Name", "HW-1"))


def revrec(result, *drop: tuple[int, int]) -> pd.DataFrame:
    """The RevRec side: the billing schedule as loaded, without the `drop` lines."""
    billing = result.billing_schedule
    keep = [
        (n, line) not in drop
        for n, line in zip(billing["netsuite_id"], billing["line_id"], strict=True)
    ]
    return billing[keep].reset_index(drop=True)


def detail(period, ns_id, name, crm_id, currency, netsuite, rr, pending, excluded, diff):
    return {
        "period": period,
        "netsuite_customer_id": ns_id,
        "netsuite_customer_name": name,
        "customer_id": crm_id,
        "currency": currency,
        "netsuite_cents": netsuite,
        "revrec_cents": rr,
        "pending_cents": pending,
        "excluded_cents": excluded,
        "difference_cents": diff,
        "status": "OK" if diff == 0 else "DIFFERENCE",
        "subsidiary_id": None,  # no OneWorld in this data
        "subsidiary_name": None,
    }


def summary(period, currency, netsuite, rr, pending, excluded, diff, customers):
    return {
        "period": period,
        "currency": currency,
        "netsuite_cents": netsuite,
        "revrec_cents": rr,
        "pending_cents": pending,
        "excluded_cents": excluded,
        "difference_cents": diff,
        "customers": customers,
        "status": "OK" if diff == 0 else "DIFFERENCE",
        "subsidiary_id": None,
        "subsidiary_name": None,
    }


def test_details_by_hand_when_everything_is_loaded():
    result = classified()
    details = recon_details(result.all_lines, revrec(result))
    assert list(details.columns) == DETAIL_COLUMNS
    assert details.to_dict("records") == [
        # 10000 - 1000 + 5000 (HW-1, excluded) - 2500 (credit memo)
        detail("2026-01", 1, "Acme Inc", "C1", "USD", 11500, 6500, 0, 5000, 0),
        detail("2026-01", 3, "Jane Doe", "C3", "USD", 30000, 30000, 0, 0, 0),
        detail("2026-02", 2, "Globex, Ltd.", None, "EUR", 27550, 0, 27550, 0, 0),
        detail("2026-02", 3, "Jane Doe", "C3", "USD", -1200, -1200, 0, 0, 0),
    ]
    for column in AMOUNTS:
        assert details[column].dtype == "int64"


def test_identity_holds_on_every_row():
    result = classified()
    for drop in ((), ((100, 1),), ((200, 1), (201, 1))):
        details = recon_details(result.all_lines, revrec(result, *drop))
        assert (
            details["netsuite_cents"]
            == details["revrec_cents"]
            + details["pending_cents"]
            + details["excluded_cents"]
            + details["difference_cents"]
        ).all()
        assert ((details["status"] == "OK") == (details["difference_cents"] == 0)).all()


def test_a_line_missing_from_revrec_gives_exactly_that_difference():
    result = classified()
    details = recon_details(result.all_lines, revrec(result, (200, 1)))  # credit memo -2500
    assert details.to_dict("records")[0] == detail(
        "2026-01", 1, "Acme Inc", "C1", "USD", 11500, 9000, 0, 5000, -2500
    )
    assert details["status"].tolist() == ["DIFFERENCE", "OK", "OK", "OK"]
    assert details["difference_cents"].tolist() == [-2500, 0, 0, 0]

    details = recon_details(result.all_lines, revrec(result, (102, 1)))  # invoice 30000
    assert details.to_dict("records")[1] == detail(
        "2026-01", 3, "Jane Doe", "C3", "USD", 30000, 0, 0, 0, 30000
    )


def test_a_line_only_on_the_revrec_side_is_a_negative_difference():
    # A line still loaded in RevRec although NetSuite no longer has it (a deleted invoice).
    result = classified()
    stale = revrec(result).head(1).copy()
    stale[["netsuite_id", "line_id", "period", "currency", "amount_cents"]] = [
        999,
        1,
        "2026-03",
        "EUR",
        4000,
    ]
    details = recon_details(result.all_lines, pd.concat([revrec(result), stale]))
    assert details.to_dict("records")[-1] == detail(
        "2026-03", 1, "Acme Inc", "C1", "EUR", 0, 4000, 0, 0, -4000
    )


def test_summary_sums_details_per_period_and_currency_and_counts_customers():
    result = classified()
    details = recon_details(result.all_lines, revrec(result, (200, 1)))
    totals = recon_summary(details)
    assert list(totals.columns) == SUMMARY_COLUMNS
    assert totals.to_dict("records") == [
        summary("2026-01", "USD", 41500, 39000, 0, 5000, -2500, 2),
        summary("2026-02", "EUR", 27550, 0, 27550, 0, 0, 1),
        summary("2026-02", "USD", -1200, -1200, 0, 0, 0, 1),
    ]
    for column in AMOUNTS:
        assert totals[column].sum() == details[column].sum()


def test_summary_of_a_clean_recon_is_ok():
    result = classified()
    totals = recon_summary(recon_details(result.all_lines, revrec(result)))
    assert totals["status"].tolist() == ["OK", "OK", "OK"]
    assert totals["difference_cents"].tolist() == [0, 0, 0]
    assert totals["customers"].tolist() == [2, 1, 1]


def test_describe_differences_names_customer_period_and_signed_amount():
    result = classified()
    details = recon_details(result.all_lines, revrec(result, (200, 1)))
    assert describe_differences(details) == (
        "Recon difference in 1 period/customer row(s): 2026-01 Acme Inc (USD) -25.00."
    )
    details = recon_details(result.all_lines, revrec(result, (102, 1), (201, 1)))
    assert describe_differences(details) == (
        "Recon difference in 2 period/customer row(s): 2026-01 Jane Doe (USD) +300.00; "
        "2026-02 Jane Doe (USD) -12.00."
    )


def test_describe_differences_formats_thousands_limits_and_clean_recon():
    rows = [
        detail("2026-01", 7, "Big Co", "C7", "USD", 123456, 0, 0, 0, 123456),
        detail("2026-02", 8, "", "C8", "EUR", 0, 5, 0, 0, -5),
        detail("2026-03", 9, "Third", "C9", "USD", 100, 0, 0, 0, 100),
        detail("2026-03", 10, "Fine", "C10", "USD", 100, 100, 0, 0, 0),
    ]
    details = pd.DataFrame(rows, columns=DETAIL_COLUMNS)
    assert describe_differences(details, limit=2) == (
        "Recon difference in 3 period/customer row(s): 2026-01 Big Co (USD) +1,234.56; "
        "2026-02 customer 8 (EUR) -0.05 and 1 more."
    )
    assert describe_differences(details.iloc[3:]) == (
        "Every period and customer reconciles (difference 0)."
    )


def test_describe_differences_names_a_revrec_only_customer_by_id_when_it_has_no_name():
    result = classified()
    store_columns = ["period", "netsuite_customer_id", "currency", "amount_cents"]
    revrec_lines = result.billing_schedule[store_columns].copy()
    revrec_lines.loc[len(revrec_lines)] = ["2026-03", 5, "USD", 700]
    details = recon_details(result.all_lines, revrec_lines)
    assert details.iloc[-1]["difference_cents"] == -700
    assert describe_differences(details) == (
        "Recon difference in 1 period/customer row(s): 2026-03 customer 5 (USD) -7.00."
    )


def test_a_line_with_a_missing_currency_is_not_dropped_from_the_recon():
    headers = sample.headers()
    headers.loc[headers["id"] == 102, "currency"] = 9  # not in the currency table
    result = classify(exclude("Name", "HW-1"), headers=headers)
    line = result.all_lines[result.all_lines["netsuite_id"] == 102].iloc[0]
    assert pd.isna(line["currency"]) and line["amount_cents"] == 30000
    # The schedule fails its schema (currency is required), so that line is not loaded.
    details = recon_details(result.all_lines, revrec(result, (102, 1)))
    assert details["netsuite_cents"].sum() == 11500 + 30000 + 27550 - 1200
    bad = details[details["difference_cents"] != 0]
    assert len(bad) == 1
    assert bad.iloc[0][
        ["period", "netsuite_customer_id", "netsuite_cents", "revrec_cents"]
    ].tolist() == [
        "2026-01",
        3,
        30000,
        0,
    ]
    assert bad.iloc[0]["difference_cents"] == 30000
    message = describe_differences(details)
    assert message.startswith("Recon difference in 1 period/customer row(s): 2026-01 Jane Doe (")
    assert message.endswith(") +300.00.")
    assert recon_summary(details)["netsuite_cents"].sum() == 67850


def test_empty_inputs_give_empty_frames_with_the_right_columns():
    no_lines = classify(lines=pd.DataFrame(columns=sample.LINE_COLUMNS))
    store_columns = ["period", "netsuite_customer_id", "currency", "amount_cents"]
    for revrec_lines in (pd.DataFrame(), pd.DataFrame(columns=store_columns)):
        details = recon_details(no_lines.all_lines, revrec_lines)
        assert details.empty
        assert list(details.columns) == DETAIL_COLUMNS
        totals = recon_summary(details)
        assert totals.empty
        assert list(totals.columns) == SUMMARY_COLUMNS
        assert describe_differences(details) == (
            "Every period and customer reconciles (difference 0)."
        )


def test_oneworld_recon_is_per_period_subsidiary_customer_and_currency():
    """SPEC §12: the same customer billed from two subsidiaries reconciles per subsidiary,
    each row naming it; the summary too."""
    oneworld_headers = sample.headers().assign(subsidiary=[1, 1, 1, 3, 1])
    subsidiaries = pd.DataFrame({"id": [1, 3], "name": ["Parent Inc", "UK Ltd"]})
    result = classify(exclude("Name", "HW-1"), headers=oneworld_headers, subsidiaries=subsidiaries)
    billing = result.billing_schedule
    assert set(
        zip(
            billing["netsuite_id"],
            billing["subsidiary_id"],
            billing["subsidiary_name"],
            strict=True,
        )
    ) == {
        (100, 1, "Parent Inc"),
        (102, 1, "Parent Inc"),
        (200, 3, "UK Ltd"),
        (201, 1, "Parent Inc"),
    }
    details = recon_details(result.all_lines, revrec(result))
    acme_january = details[
        (details["period"] == "2026-01") & (details["netsuite_customer_id"] == 1)
    ]
    # Acme's January: the invoice (10000 - 1000 + 5000 excluded) in the parent, the credit
    # memo (-2500) in the UK subsidiary: one row each.
    assert acme_january[["subsidiary_id", "subsidiary_name", "netsuite_cents"]].to_dict(
        "records"
    ) == [
        {"subsidiary_id": 1, "subsidiary_name": "Parent Inc", "netsuite_cents": 14000},
        {"subsidiary_id": 3, "subsidiary_name": "UK Ltd", "netsuite_cents": -2500},
    ]
    assert (details["difference_cents"] == 0).all()
    totals = recon_summary(details)
    january = totals[totals["period"] == "2026-01"]
    assert january[["subsidiary_id", "currency", "netsuite_cents", "customers"]].to_dict(
        "records"
    ) == [
        {"subsidiary_id": 1, "currency": "USD", "netsuite_cents": 44000, "customers": 2},
        {"subsidiary_id": 3, "currency": "USD", "netsuite_cents": -2500, "customers": 1},
    ]
    assert totals["netsuite_cents"].sum() == details["netsuite_cents"].sum()

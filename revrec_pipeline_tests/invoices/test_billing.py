"""Billing schedule, pending data, excluded lines and the product table (SPEC §4 signs, §6)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from revrec_pipeline.invoices.billing import (
    BILLING_COLUMNS,
    LINE_COLUMNS,
    PENDING_COLUMNS,
    PRODUCT_COLUMNS,
    BillingInputError,
    classify_lines,
)
from revrec_pipeline.invoices.matching import match_customers
from revrec_pipeline_tests.invoices import sample
from revrec_pipeline_tests.invoices.sample import D, classify, exclude

ALL_KEYS = {(100, 1), (100, 2), (100, 3), (101, 1), (101, 2), (102, 1), (200, 1), (201, 1)}


def keys(frame: pd.DataFrame) -> list[tuple[int, int]]:
    return list(zip(frame["netsuite_id"], frame["line_id"], strict=True))


def by_key(frame: pd.DataFrame) -> dict[tuple[int, int], dict]:
    return {(r["netsuite_id"], r["line_id"]): r for r in frame.to_dict("records")}


def test_billing_schedule_rows_exactly():
    result = classify()
    assert list(result.billing_schedule.columns) == BILLING_COLUMNS
    acme = {
        "netsuite_customer_id": 1,
        "netsuite_customer_name": "Acme Inc",
        "customer_id": "C1",
        "customer_name": "ACME  inc",
        "currency": "USD",
        "subsidiary_id": None,  # no OneWorld here
        "subsidiary_name": None,
    }
    jane = {
        "netsuite_customer_id": 3,
        "netsuite_customer_name": "Jane Doe",
        "customer_id": "C3",
        "customer_name": "Jane Doe",
        "currency": "USD",
        "subsidiary_id": None,
        "subsidiary_name": None,
    }
    assert result.billing_schedule.to_dict("records") == [
        {
            **acme,
            "document_type": "Invoice",
            "document_number": "INV-100",
            "netsuite_id": 100,
            "line_id": 1,
            "document_date": D(2026, 1, 15),
            "period": "2026-01",
            "product_code": "SUB-PRO",
            "product_name": "Pro Subscription",
            "quantity": Decimal("2"),
            "amount_cents": 10000,
            "service_start_date": D(2026, 1, 1),
            "service_end_date": D(2026, 12, 31),
            "status": "Open",
        },
        {
            **acme,
            "document_type": "Invoice",
            "document_number": "INV-100",
            "netsuite_id": 100,
            "line_id": 2,
            "document_date": D(2026, 1, 15),
            "period": "2026-01",
            "product_code": "DISC",
            "product_name": "Discount",
            "quantity": None,
            "amount_cents": -1000,
            "service_start_date": None,
            "service_end_date": None,
            "status": "Open",
        },
        {
            **acme,
            "document_type": "Invoice",
            "document_number": "INV-100",
            "netsuite_id": 100,
            "line_id": 3,
            "document_date": D(2026, 1, 15),
            "period": "2026-01",
            "product_code": "HW-1",
            "product_name": "HW-1",
            "quantity": Decimal("1"),
            "amount_cents": 5000,
            "service_start_date": None,
            "service_end_date": None,
            "status": "Open",
        },
        {
            **jane,
            "document_type": "Invoice",
            "document_number": "INV-102",
            "netsuite_id": 102,
            "line_id": 1,
            "document_date": D(2026, 1, 20),
            "period": "2026-01",
            "product_code": "SETUP",
            "product_name": "Onboarding Fee",
            "quantity": Decimal("1"),
            "amount_cents": 30000,
            "service_start_date": None,
            "service_end_date": None,
            "status": "Paid In Full",
        },
        {
            **acme,
            "document_type": "Credit Memo",
            "document_number": "CM-200",
            "netsuite_id": 200,
            "line_id": 1,
            "document_date": D(2026, 1, 31),
            "period": "2026-01",
            "product_code": "SUB-PRO",
            "product_name": "Pro Subscription",
            "quantity": Decimal("-1"),
            "amount_cents": -2500,
            "service_start_date": None,
            "service_end_date": None,
            "status": "Fully Applied",
        },
        {
            **jane,
            "document_type": "Credit Memo",
            "document_number": "CM-201",
            "netsuite_id": 201,
            "line_id": 1,
            "document_date": D(2026, 2, 10),
            "period": "2026-02",
            "product_code": "SUB-PRO",
            "product_name": "Pro Subscription",
            "quantity": Decimal("-1"),
            "amount_cents": -1200,
            "service_start_date": None,
            "service_end_date": None,
            "status": "Open",
        },
    ]


def test_amount_signs_from_gl_signed_foreign_amount():
    rows = by_key(classify().all_lines)
    assert rows[(100, 1)]["amount_cents"] == 10000  # invoice item line -10000 → +10000
    assert rows[(200, 1)]["amount_cents"] == -2500  # credit memo line +2500 → -2500
    assert rows[(100, 2)]["amount_cents"] == -1000  # invoice discount line +1000 → -1000
    assert rows[(201, 1)]["amount_cents"] == -1200
    assert classify().all_lines["amount_cents"].dtype == "int64"


def test_quantity_sign_flipped_and_missing_quantity_stays_missing():
    rows = by_key(classify().all_lines)
    assert rows[(100, 1)]["quantity"] == Decimal("2")
    assert rows[(101, 1)]["quantity"] == Decimal("1.5")
    assert rows[(200, 1)]["quantity"] == Decimal("-1")
    assert rows[(100, 2)]["quantity"] is None


@pytest.mark.parametrize(
    ("trandate", "period"),
    [
        (D(2026, 1, 1), "2026-01"),
        (D(2026, 1, 31), "2026-01"),
        (D(2026, 12, 31), "2026-12"),
        (D(2027, 2, 28), "2027-02"),
    ],
)
def test_period_is_the_document_date_month(trandate, period):
    headers = sample.headers()
    headers.loc[headers["id"] == 100, "trandate"] = trandate
    rows = by_key(classify(headers=headers).all_lines)
    assert rows[(100, 1)]["document_date"] == trandate
    assert rows[(100, 1)]["period"] == period
    assert rows[(102, 1)]["period"] == "2026-01"


@pytest.mark.parametrize(
    ("tran_type", "status", "document_type", "label"),
    [
        ("CustInvc", "A", "Invoice", "Open"),
        ("CustInvc", "B", "Invoice", "Paid In Full"),
        ("CustCred", "A", "Credit Memo", "Open"),
        ("CustCred", "B", "Credit Memo", "Fully Applied"),
    ],
)
def test_document_type_and_status_labels(tran_type, status, document_type, label):
    headers = sample.headers()
    headers.loc[headers["id"] == 102, ["type", "status"]] = [tran_type, status]
    row = by_key(classify(headers=headers).billing_schedule)[(102, 1)]
    assert (row["document_type"], row["status"]) == (document_type, label)


def test_product_name_falls_back_to_itemid_when_displayname_is_missing():
    rows = by_key(classify().all_lines)
    assert (rows[(100, 3)]["product_code"], rows[(100, 3)]["product_name"]) == ("HW-1", "HW-1")
    assert (rows[(100, 1)]["product_code"], rows[(100, 1)]["product_name"]) == (
        "SUB-PRO",
        "Pro Subscription",
    )


def test_unmatched_customer_lines_are_pending_with_reason_and_suggestion():
    result = classify()
    assert list(result.pending_data.columns) == PENDING_COLUMNS
    pending = result.pending_data
    assert keys(pending) == [(101, 1), (101, 2)]
    assert pending["netsuite_customer_id"].tolist() == [2, 2]
    assert pending["netsuite_customer_name"].tolist() == ["Globex, Ltd.", "Globex, Ltd."]
    assert pending["customer_id"].tolist() == [None, None]
    assert pending["amount_cents"].tolist() == [7550, 20000]
    assert pending["currency"].tolist() == ["EUR", "EUR"]
    assert pending["period"].tolist() == ["2026-02", "2026-02"]
    assert pending["status"].tolist() == ["Paid In Full", "Paid In Full"]
    assert pending["reason"].tolist() == ["Customer name matches no CRM customer"] * 2
    assert pending["suggestion"].tolist() == ["Globex Ltd", "Globex Ltd"]


def test_unmatched_customer_without_close_crm_name_has_no_suggestion():
    result = classify(crm_names={"C1": "Acme Inc", "C3": "Jane Doe"})
    pending = result.pending_data
    assert keys(pending) == [(101, 1), (101, 2)]
    assert pending["reason"].tolist() == ["Customer name matches no CRM customer"] * 2
    assert pending["suggestion"].isna().all()


def test_line_of_a_customer_not_extracted_yet_is_pending():
    headers = sample.headers()
    headers.loc[headers["id"] == 102, "entity"] = 99  # no such NetSuite customer extracted
    result = classify(headers=headers)
    assert keys(result.pending_data) == [(101, 1), (101, 2), (102, 1)]
    row = by_key(result.pending_data)[(102, 1)]
    assert row["netsuite_customer_id"] == 99
    assert row["netsuite_customer_name"] == ""
    assert row["reason"] == "NetSuite customer not extracted yet"
    assert row["amount_cents"] == 30000


def test_fixing_the_name_moves_pending_lines_into_the_billing_schedule():
    before = classify()
    after = classify(crm_names={**sample.CRM, "C2": "globex, ltd."})
    assert keys(before.pending_data) == [(101, 1), (101, 2)]
    assert after.pending_data.empty
    billed = by_key(after.billing_schedule)
    assert (billed[(101, 1)]["customer_id"], billed[(101, 1)]["amount_cents"]) == ("C2", 7550)
    assert (billed[(101, 2)]["customer_id"], billed[(101, 2)]["amount_cents"]) == ("C2", 20000)


def test_exclude_by_name_matches_itemid_and_wins_over_pending():
    result = classify(exclude("Name", "HW-1", "SETUP"))
    assert keys(result.billing_schedule) == [(100, 1), (100, 2), (200, 1), (201, 1)]
    # 101/2 belongs to the unmatched customer: it is excluded, not pending.
    assert keys(result.pending_data) == [(101, 1)]
    assert keys(result.excluded) == [(100, 3), (101, 2), (102, 1)]
    assert list(result.excluded.columns) == LINE_COLUMNS
    assert result.excluded["product_code"].tolist() == ["HW-1", "SETUP", "SETUP"]
    assert result.excluded["amount_cents"].tolist() == [5000, 20000, 30000]


def test_exclude_by_display_name_matches_displayname():
    result = classify(exclude("Display Name", "Onboarding Fee"))
    assert keys(result.excluded) == [(101, 2), (102, 1)]
    assert keys(result.pending_data) == [(101, 1)]
    assert keys(result.billing_schedule) == [(100, 1), (100, 2), (100, 3), (200, 1), (201, 1)]


def test_exclude_by_display_name_does_not_match_an_itemid():
    # HW-1 has no display name: "Display Name" values never match its itemid.
    result = classify(exclude("Display Name", "HW-1", "SUB-PRO"))
    assert result.excluded.empty
    assert len(result.billing_schedule) == 6


def test_every_line_lands_in_exactly_one_place():
    for exclude_products in (None, exclude("Name", "HW-1", "SETUP"), exclude("Name", "SUB-PRO")):
        result = classify(exclude_products)
        billing = set(keys(result.billing_schedule))
        pending = set(keys(result.pending_data))
        excluded = set(keys(result.excluded))
        assert billing | pending | excluded == ALL_KEYS
        assert len(billing) + len(pending) + len(excluded) == len(ALL_KEYS)
        all_lines = result.all_lines
        assert list(all_lines.columns) == [*LINE_COLUMNS, "class"]
        assert keys(all_lines) == sorted(ALL_KEYS)
        classes = dict(zip(keys(all_lines), all_lines["class"], strict=True))
        assert {k for k, c in classes.items() if c == "billing"} == billing
        assert {k for k, c in classes.items() if c == "pending"} == pending
        assert {k for k, c in classes.items() if c == "excluded"} == excluded


def test_all_lines_classes_by_hand():
    result = classify(exclude("Name", "HW-1", "SETUP"))
    assert dict(zip(keys(result.all_lines), result.all_lines["class"], strict=True)) == {
        (100, 1): "billing",
        (100, 2): "billing",
        (100, 3): "excluded",
        (101, 1): "pending",
        (101, 2): "excluded",
        (102, 1): "excluded",
        (200, 1): "billing",
        (201, 1): "billing",
    }
    assert result.all_lines["amount_cents"].sum() == 10000 - 1000 + 5000 + 7550 + 20000 + 30000 - (
        2500 + 1200
    )


def test_product_table_with_excluded_yes_no():
    result = classify(exclude("Name", "HW-1", "SETUP"))
    assert list(result.product.columns) == PRODUCT_COLUMNS
    assert result.product.to_dict("records") == [
        {
            "product_code": "DISC",
            "product_name": "Discount",
            "item_type": "Discount",
            "netsuite_id": 12,
            "excluded": "no",
        },
        {
            "product_code": "HW-1",
            "product_name": "HW-1",
            "item_type": "InvtPart",
            "netsuite_id": 11,
            "excluded": "yes",
        },
        {
            "product_code": "SETUP",
            "product_name": "Onboarding Fee",
            "item_type": "Service",
            "netsuite_id": 13,
            "excluded": "yes",
        },
        {
            "product_code": "SUB-PRO",
            "product_name": "Pro Subscription",
            "item_type": "Service",
            "netsuite_id": 10,
            "excluded": "no",
        },
    ]


def test_product_table_without_exclusion_says_no_everywhere():
    assert classify().product["excluded"].tolist() == ["no", "no", "no", "no"]


def test_matching_by_externalid_feeds_the_billing_schedule():
    customers = sample.netsuite_customers()
    customers["externalid"] = ["C1", "C2", None]
    matches = match_customers(customers, sample.crm_customers(), by_name=False)
    result = classify_lines(
        sample.headers(), sample.lines(), sample.items(), sample.currencies(), matches
    )
    assert keys(result.pending_data) == [(102, 1), (201, 1)]
    assert (
        result.pending_data["reason"].tolist()
        == ["NetSuite customer has no externalid (CRM id)"] * 2
    )
    billed = by_key(result.billing_schedule)
    assert billed[(101, 1)]["customer_id"] == "C2"
    assert billed[(101, 1)]["customer_name"] == "Globex Ltd"


def test_no_lines_gives_empty_frames_with_columns():
    result = classify(lines=sample.lines().iloc[:0], headers=sample.headers().iloc[:0])
    assert (
        result.billing_schedule.empty and list(result.billing_schedule.columns) == BILLING_COLUMNS
    )
    assert result.pending_data.empty and list(result.pending_data.columns) == PENDING_COLUMNS
    assert result.excluded.empty and list(result.excluded.columns) == LINE_COLUMNS
    assert result.all_lines.empty and list(result.all_lines.columns) == [*LINE_COLUMNS, "class"]
    assert len(result.product) == 4


def test_lines_that_are_not_billing_lines_are_counted_nowhere():
    lines = sample.lines()
    structural = pd.DataFrame(
        [
            (100, 4, 14, None, -15000, None, None, False),  # a Subtotal of lines 1 and 3
            (101, 3, 15, None, 4000, None, None, False),  # a COGS line
        ],
        columns=sample.LINE_COLUMNS,
    )
    result = classify(lines=pd.concat([lines, structural], ignore_index=True))
    plain = classify()
    for frame in ("billing_schedule", "pending_data", "excluded", "all_lines"):
        assert getattr(result, frame).equals(getattr(plain, frame)), frame
    assert not {(100, 4), (101, 3)} & set(keys(result.all_lines))


def test_documents_without_a_currency_are_in_the_accounts_only_currency():
    headers = sample.headers()
    headers["currency"] = None  # an account without Multiple Currencies has no such column
    result = classify(headers=headers, currencies=sample.currencies().iloc[:1])
    assert set(result.all_lines["currency"]) == {"USD"}


def test_documents_without_a_currency_in_an_account_listing_several_are_refused():
    headers = sample.headers()
    headers["currency"] = None
    currencies = sample.currencies()
    assert len(currencies) > 1
    with pytest.raises(BillingInputError) as refused:
        classify(headers=headers, currencies=currencies)
    symbols = ", ".join(sorted(currencies["symbol"]))
    assert str(refused.value) == (
        "NetSuite's documents carry no currency (the account has no Multiple Currencies "
        f"feature) but its currency list holds {len(currencies)} currencies ({symbols}), so the "
        "documents' currency cannot be told; run a sync again to refresh the currency list, or "
        "`revrec connect` to re-profile the account."
    )

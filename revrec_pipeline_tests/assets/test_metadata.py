"""The metadata helpers: tables with decimal amounts, column schemas and plotted totals, stored
and read back through a real Dagster instance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import numpy as np
import pandas as pd

from revrec_pipeline.assets import metadata as md
from revrec_pipeline.invoices.totals import (
    absolute_cents_by_currency,
    cents_by_currency,
    differences_first,
    most_recent_first,
    totals_by_period,
)

LINES = pd.DataFrame(
    {
        "period": ["2026-09", "2026-11", "2026-10", "2026-11"],
        "document_date": [
            dt.date(2026, 9, 30),
            dt.date(2026, 11, 2),
            dt.date(2026, 10, 15),
            dt.date(2026, 11, 20),
        ],
        "netsuite_id": np.array([11, 12, 13, 14], dtype="int64"),
        "amount_cents": np.array([123450, -5, 0, 100], dtype="int64"),
        "currency": ["USD", "EUR", None, "USD"],
        "quantity": [Decimal("1.5"), None, Decimal("2"), Decimal("-1")],
        "customer": ["Acme", "Bolt", float("nan"), "Acme"],
    }
)
COLUMNS = [
    md.text("Period", "period"),
    md.date("Document Date", "document_date"),
    md.integer("NetSuite ID", "netsuite_id"),
    md.number("Quantity", "quantity"),
    md.money("Amount", "amount_cents"),
    md.text("Currency", "currency"),
    md.text("Customer", "customer"),
]


def test_amounts_are_exact_decimals_with_two_places():
    assert md.amount(123450) == Decimal("1234.50") and str(md.amount(123450)) == "1234.50"
    assert str(md.amount(-5)) == "-0.05"
    assert str(md.amount(0)) == "0.00"
    assert str(md.amount(np.int64(10**15 + 1))) == "10000000000000.01"


def test_table_cells_are_json_values_with_money_as_fixed_two_place_strings():
    table = md.table(LINES, COLUMNS)
    assert [c.name for c in table.schema.columns] == [c.name for c in COLUMNS]
    assert {c.name: c.type for c in table.schema.columns}["Amount"] == "decimal"
    rows = [r.data for r in table.records]
    assert rows[0] == {
        "Period": "2026-09",
        "Document Date": "2026-09-30",
        "NetSuite ID": 11,
        "Quantity": 1.5,
        "Amount": "1234.50",
        "Currency": "USD",
        "Customer": "Acme",
    }
    assert type(rows[0]["NetSuite ID"]) is int  # not numpy's int64
    assert rows[1]["Amount"] == "-0.05" and rows[1]["Quantity"] is None
    assert rows[2]["Currency"] is None and rows[2]["Customer"] is None
    assert rows[2]["Amount"] == "0.00"


def test_a_table_shows_at_most_its_limit_and_says_so():
    entries = md.table_entries("lines", LINES, COLUMNS, limit=3, where_all="the workbook")
    assert len(entries["lines"].records) == 3
    assert entries["lines_truncated"].value == (
        "Shows the first 3 of 4 rows; all rows are in the workbook."
    )
    assert set(md.table_entries("lines", LINES, COLUMNS, limit=4)) == {"lines"}
    head = md.table_entries("lines", LINES.head(2), COLUMNS, limit=2, total_rows=9)
    assert head["lines_truncated"].value == "Shows the first 2 of 9 rows."
    assert len(md.table(LINES, COLUMNS).records) == 4 and md.ROW_LIMIT == 100


def test_column_schema_names_the_dataframe_types():
    frame = LINES.assign(flag=[True, False, True, True], ratio=[0.5, 1.0, 2.0, 3.0])
    schema = md.column_schema(frame, {"period": "Accounting period."})
    types = {c.name: c.type for c in schema.columns}
    assert types == {
        "period": "string",
        "document_date": "date",
        "netsuite_id": "int",
        "amount_cents": "int",
        "currency": "string",
        "quantity": "decimal",
        "customer": "string",
        "flag": "bool",
        "ratio": "float",
    }
    described = {c.name: c.description for c in schema.columns}
    assert described["period"] == "Accounting period."
    assert described["amount_cents"] == "Integer cents in the row's currency."
    entries = md.frame_entries(frame)
    assert entries["dagster/row_count"].value == 4
    assert entries["dagster/column_schema"].schema == md.column_schema(frame)


def test_totals_per_currency_are_plotted_floats_under_stable_keys():
    totals = cents_by_currency(LINES)
    assert totals == {"USD": 123550, "EUR": -5, "unknown": 0}
    entries = md.amount_entries("billed", totals, currencies=["GBP", "USD"])
    assert list(entries) == ["billed_EUR", "billed_GBP", "billed_USD", "billed_unknown"]
    assert all(isinstance(v, dg.FloatMetadataValue) for v in entries.values())
    assert Decimal(str(entries["billed_USD"].value)) == Decimal("1235.50")
    assert entries["billed_GBP"].value == 0.0
    assert absolute_cents_by_currency(
        pd.DataFrame({"d": [5, -5, 3], "currency": ["USD", "USD", "EUR"]}), "d"
    ) == {"USD": 10, "EUR": 3}
    assert cents_by_currency(LINES.head(0)) == {}


def test_orderings_put_the_most_recent_period_and_the_differences_first():
    recent = most_recent_first(LINES, "period", "netsuite_id")
    assert list(recent["netsuite_id"]) == [12, 14, 13, 11]
    details = pd.DataFrame(
        {
            "period": ["2026-11", "2026-10", "2026-09", "2026-11"],
            "netsuite_customer_name": ["B", "A", "C", "A"],
            "currency": ["USD"] * 4,
            "difference_cents": [0, 0, 7, 0],
        }
    )
    ordered = differences_first(details)
    assert list(zip(ordered["period"], ordered["netsuite_customer_name"], strict=True)) == [
        ("2026-09", "C"),
        ("2026-11", "A"),
        ("2026-11", "B"),
        ("2026-10", "A"),
    ]
    totals = totals_by_period(LINES.dropna(subset=["currency"]))
    assert totals.to_dict("records") == [
        {"period": "2026-11", "currency": "EUR", "lines": 1, "amount_cents": -5},
        {"period": "2026-11", "currency": "USD", "lines": 1, "amount_cents": 100},
        {"period": "2026-09", "currency": "USD", "lines": 1, "amount_cents": 123450},
    ]


def test_the_metadata_survives_a_materialization_and_reads_back_from_the_instance():
    @dg.asset
    def lines() -> dg.MaterializeResult:
        return dg.MaterializeResult(
            metadata={
                **md.frame_entries(LINES),
                **md.amount_entries("billed", cents_by_currency(LINES)),
                **md.table_entries("preview", LINES, COLUMNS, limit=2),
            }
        )

    with dg.instance_for_test() as instance:
        assert dg.materialize([lines], instance=instance).success
        event = instance.get_latest_materialization_event(dg.AssetKey("lines"))
        stored = event.asset_materialization.metadata
    assert stored["dagster/row_count"] == dg.MetadataValue.int(4)
    assert [c.name for c in stored["dagster/column_schema"].schema.columns] == list(LINES.columns)
    assert stored["billed_USD"] == dg.MetadataValue.float(1235.5)
    assert [r.data["Amount"] for r in stored["preview"].records] == ["1234.50", "-0.05"]
    assert stored["preview_truncated"].value == "Shows the first 2 of 4 rows."

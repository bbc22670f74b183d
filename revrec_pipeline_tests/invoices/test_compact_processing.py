"""Compact processing (issue 13) gives byte-identical results to the code it replaced.

The oracle is `reference_processing`: the reader that built frames from a list of SQLAlchemy
rows and the classification over one joined frame, frozen as they were. Both run on the same
data, from real stores (SQLite and PostgreSQL) synced from the sandbox over a real socket and
from the hand-made extracts, and every frame must be equal cell for cell: the same dtypes, and
in object columns the same Python types and the same `repr` (so Decimal('1.50') is not
Decimal('1.5') and None is not NaN)."""

from __future__ import annotations

import csv
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.invoices.billing import InvoiceLines, classify_lines
from revrec_pipeline.invoices.matching import match_customers
from revrec_pipeline.invoices.recon import recon_details, recon_summary
from revrec_pipeline.journals.recognition import revenue_schedule
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.db import read_frame
from revrec_pipeline.store.invoices import InvoiceInputs, read_invoice_inputs
from revrec_pipeline_tests.invoices import sample
from revrec_pipeline_tests.invoices.reference_processing import (
    reference_classify_lines,
    reference_frame,
    reference_revenue_schedule,
)
from revrec_pipeline_tests.sandbox_helpers import extract_all

OUTPUTS = ("billing_schedule", "pending_data", "excluded", "all_lines", "product")


def cells(frame: pd.DataFrame, column: str) -> list[str]:
    return [f"{type(v).__name__}:{v!r}" for v in frame[column].tolist()]


def assert_identical(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    pd.testing.assert_frame_equal(new, old, check_exact=True, obj=what)
    for column in old.columns:
        if old[column].dtype == object:
            assert cells(new, column) == cells(old, column), f"{what}.{column}"


def assert_same_processing(
    new_inputs: InvoiceInputs, old_inputs: InvoiceInputs, exclude=None, by_name=True
) -> InvoiceLines:
    matches = match_customers(
        new_inputs.netsuite_customers, new_inputs.crm_customers, by_name=by_name
    )
    old_matches = match_customers(
        old_inputs.netsuite_customers, old_inputs.crm_customers, by_name=by_name
    )
    assert_identical(matches, old_matches, "matches")
    new = classify_lines(
        new_inputs.headers,
        new_inputs.lines,
        new_inputs.items,
        new_inputs.currencies,
        matches,
        exclude,
        new_inputs.subsidiaries,
    )
    old = reference_classify_lines(
        old_inputs.headers,
        old_inputs.lines,
        old_inputs.items,
        old_inputs.currencies,
        old_matches,
        exclude,
        old_inputs.subsidiaries,
    )
    for name in OUTPUTS:
        assert_identical(getattr(new, name), getattr(old, name), name)
    details = recon_details(new.all_lines, new.billing_schedule)
    old_details = recon_details(old.all_lines, old.billing_schedule)
    assert_identical(details, old_details, "recon_details")
    assert_identical(recon_summary(details), recon_summary(old_details), "recon_summary")
    return new


# -- the reader -----------------------------------------------------------------------------------


def reference_inputs(conn) -> InvoiceInputs:
    """read_invoice_inputs as it was: the same selects, through the row-list reader."""
    new = read_invoice_inputs(conn)  # only for the column names it selects
    tables = {
        "headers": schema.netsuite_transaction,
        "lines": schema.netsuite_transaction_line,
        "items": schema.netsuite_item,
        "currencies": schema.netsuite_currency,
        "netsuite_customers": schema.netsuite_customer,
        "crm_customers": schema.crm_customer,
        "subsidiaries": schema.netsuite_subsidiary,
    }
    return InvoiceInputs(
        **{
            name: reference_frame(conn, select(*(table.c[c] for c in getattr(new, name).columns)))
            for name, table in tables.items()
        }
    )


def synced_store(database_url, tmp_path, config: SandboxConfig, seed: int) -> RevRecStore:
    """A store synced from a generated account, with CRM customers that leave some NetSuite
    customers unmatched (pending lines) and some names that only nearly match."""
    dataset = generate_dataset(seed=seed, size="small")
    store = RevRecStore(database_url)
    store.create_all()
    with NetSuiteSandbox(config, dataset) as sandbox:
        extract_all(sandbox, store)
    customers_csv, _orders = dataset.write_crm_csv(tmp_path / "crm")
    with customers_csv.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0]]
    for index, row in enumerate(rows[1:]):
        if index % 7 == 3:
            continue  # no CRM customer: its lines are pending
        if index % 11 == 5:
            row[1] = row[1] + " Group"  # a near miss: pending with a suggestion
        kept.append(row)
    with customers_csv.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(kept)
    import_crm_files(store, customers_csv, None)
    return store


ACCOUNTS = {
    "oneworld, one subsidiary": (SandboxConfig(), 11),
    "several subsidiaries": (SandboxConfig(subsidiaries="several"), 12),
    "no Multiple Currencies, no OneWorld": (
        SandboxConfig(multi_currency=False, oneworld=False),
        13,
    ),
}


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_processing_of_a_synced_store_is_identical(account, database_url, tmp_path):
    config, seed = ACCOUNTS[account]
    store = synced_store(database_url, tmp_path, config, seed)
    with store.read() as conn:
        new_inputs, old_inputs = read_invoice_inputs(conn), reference_inputs(conn)
        billing_lines = conn.execute(
            select(func.count()).where(schema.netsuite_transaction_line.c.is_billing_line)
        ).scalar_one()
        items = conn.execute(select(schema.netsuite_item.c.itemid).limit(2)).scalars().all()
    for name in InvoiceInputs.__dataclass_fields__:
        assert_identical(getattr(new_inputs, name), getattr(old_inputs, name), name)
    exclude = sample.exclude("Name", *items[:1])
    result = assert_same_processing(new_inputs, old_inputs, exclude)
    # The comparison covers every place a line can land, not one empty frame against another.
    assert len(result.all_lines) == billing_lines > 0
    assert len(result.pending_data) > 0 and len(result.billing_schedule) > 0
    assert len(result.excluded) > 0
    assert_same_processing(new_inputs, old_inputs, None, by_name=False)


def test_every_store_table_reads_as_the_row_list_did(database_url, tmp_path):
    """read_frame is the store's reader, so it must give every table what the old one gave."""
    store = synced_store(database_url, tmp_path, SandboxConfig(subsidiaries="several"), 14)
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            statement = select(*table.columns)
            assert_identical(
                read_frame(conn, statement), reference_frame(conn, statement), table.name
            )
        # A select with a bound value and a computed column, as the journal reads use.
        lines = schema.netsuite_transaction_line
        statement = select(
            lines.c.transaction_id,
            func.coalesce(lines.c.memo, "").label("memo"),
            lines.c.quantity,
        ).where(lines.c.line_id > 1)
        assert_identical(read_frame(conn, statement), reference_frame(conn, statement), "where")


def test_the_reader_keeps_each_repeated_value_once(store, tmp_path):
    """The memory saving itself: a million lines' dates and amounts are a few thousand objects."""
    dataset = generate_dataset(seed=15, size="small")
    with NetSuiteSandbox(SandboxConfig(), dataset) as sandbox:
        extract_all(sandbox, store)
    lines = schema.netsuite_transaction_line
    with store.read() as conn:
        frame = read_frame(conn, select(lines.c.revrec_start_date, lines.c.quantity))
        old = reference_frame(conn, select(lines.c.revrec_start_date, lines.c.quantity))
    for column in frame.columns:
        values = frame[column].dropna()
        distinct = values.map(repr).nunique()
        assert len(values) > 1.5 * distinct  # repeated values, or the check says nothing
        assert len({id(v) for v in values}) == distinct
        # The row-list reader kept one object per row.
        assert len({id(v) for v in old[column].dropna()}) > distinct


# -- hand-made extracts ---------------------------------------------------------------------------


def hand_made(**overrides) -> InvoiceInputs:
    frames = {
        "headers": sample.headers(),
        "lines": sample.lines(),
        "items": sample.items(),
        "currencies": sample.currencies(),
        "netsuite_customers": sample.netsuite_customers(),
        "crm_customers": sample.crm_customers(),
        "subsidiaries": pd.DataFrame(columns=["id", "name"]),
        **overrides,
    }
    return InvoiceInputs(**frames)


def shuffled_lines() -> pd.DataFrame:
    lines = sample.lines()
    order = np.random.default_rng(3).permutation(len(lines))
    extra = pd.DataFrame(
        [
            (101, 3, 10, Decimal("-1.50"), -100, None, None, False),  # not a billing line
            (999, 1, 10, Decimal("-1"), -100, None, None, True),  # its document is not here
        ],
        columns=sample.LINE_COLUMNS,
    )
    return pd.concat([lines.iloc[order], extra], ignore_index=True)


def with_subsidiaries(headers: pd.DataFrame) -> pd.DataFrame:
    return headers.assign(subsidiary=[1, 2, None, 1, 3])


CASES = {
    "as extracted": {},
    "lines out of order, a non-billing line, a line without its document": {
        "lines": shuffled_lines()
    },
    "a customer not extracted yet": {"netsuite_customers": sample.netsuite_customers().iloc[:2]},
    "no CRM customers": {"crm_customers": sample.crm_customers({})},
    "documents without a currency": {
        "headers": sample.headers().assign(currency=None),
        "currencies": sample.currencies().iloc[:1],
    },
    "OneWorld subsidiaries, one unknown, one missing": {
        "headers": with_subsidiaries(sample.headers()),
        "subsidiaries": pd.DataFrame({"id": [1, 2], "name": ["US Inc", "EU GmbH"]}),
    },
    "an item that is not extracted": {"items": sample.items().iloc[1:]},
    "no lines": {"lines": sample.lines().iloc[0:0]},
    "no documents and no lines": {
        "headers": sample.headers().iloc[0:0],
        "lines": sample.lines().iloc[0:0],
    },
    "quantities all missing": {"lines": sample.lines().assign(quantity=None)},
    "quantities as floats": {
        "lines": sample.lines().assign(quantity=[-2.0, np.nan, -1.0, -1.5, -1.0, -1.0, 1.0, 1.0])
    },
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("excluded", [None, ("Name", "SETUP")])
def test_processing_of_hand_made_extracts_is_identical(case, excluded):
    inputs = hand_made(**CASES[case])
    exclude = sample.exclude(*excluded) if excluded else None
    assert_same_processing(inputs, hand_made(**CASES[case]), exclude)


# -- the revenue schedule ---------------------------------------------------------------------------


def sales_orders(seed: int, count: int = 400) -> pd.DataFrame:
    """Order lines of every kind: ratable and point in time, zero and negative amounts,
    one-day lines, lines before, across and after the schedule's window."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(-200, 900, count), "D")
    length = rng.integers(0, 800, count)
    amounts = rng.integers(-50_000, 5_000_000, count)
    amounts[rng.random(count) < 0.05] = 0
    return pd.DataFrame(
        {
            "customer_id": [f"C{i % 37}" for i in rng.integers(0, 1000, count)],
            "order_number": [f"SO-{i % 90}" for i in range(count)],
            "order_item_number": [str(i % 3) for i in range(count)],
            "product_code": [f"P{i % 7}" for i in range(count)],
            "currency": np.where(rng.random(count) < 0.7, "USD", "EUR"),
            "service_start_date": start.date,
            "service_end_date": (start + pd.to_timedelta(length, "D")).date,
            "amount_cents": amounts,
            "recognition": np.where(rng.random(count) < 0.85, "ratable", "point_in_time"),
        }
    )


@pytest.mark.parametrize(
    "window", [(None, None), ("2024-06", "2025-05"), ("2025-01", "2025-01"), ("2030-01", "2030-03")]
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_revenue_schedule_is_identical(seed, window):
    orders = sales_orders(seed)
    schedule = revenue_schedule(orders, *window)
    assert_identical(schedule, reference_revenue_schedule(orders, *window), "schedule")
    if window[0] != "2030-01":
        assert len(schedule) > len(orders) // 4  # not an empty frame against another
    subset = orders.iloc[::3]  # an index with gaps, as a filtered frame has
    assert_identical(
        revenue_schedule(subset, *window), reference_revenue_schedule(subset, *window), "subset"
    )


def test_revenue_schedule_of_no_orders_is_identical():
    orders = sales_orders(4).iloc[0:0]
    assert_identical(revenue_schedule(orders), reference_revenue_schedule(orders), "empty")

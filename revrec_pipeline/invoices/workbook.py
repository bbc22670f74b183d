"""The finance workbook (SPEC §6): one `.xlsx` per job, written with typed cells (dates as
dates, amounts as numbers with two decimals), a frozen header row and readable widths.

A tab longer than Excel's row limit continues on `<Tab>_2`, `<Tab>_3`, … . Files are written to
a temporary name and renamed, so a reader never sees half a workbook.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import xlsxwriter

EXCEL_MAX_ROWS = 1_048_576  # including the header row

TEXT, DATE, AMOUNT, NUMBER, INTEGER = "text", "date", "amount", "number", "integer"


@dataclass(frozen=True)
class Column:
    header: str
    source: str
    kind: str = TEXT


BILLING_TAB = "BillingSchedule"
PRODUCT_TAB = "Product"
PENDING_TAB = "PendingData"
RECON_DETAILS_TAB = "ReconDetails_Invoice"
RECON_SUMMARY_TAB = "ReconSummary_Invoice"

_BILLING = [
    Column("Customer ID", "customer_id"),
    Column("Customer Name", "customer_name"),
    Column("Document Type", "document_type"),
    Column("Document Number", "document_number"),
    Column("NetSuite ID", "netsuite_id", INTEGER),
    Column("Line ID", "line_id", INTEGER),
    Column("Document Date", "document_date", DATE),
    Column("Period", "period"),
    Column("Product Code", "product_code"),
    Column("Product Name", "product_name"),
    Column("Quantity", "quantity", NUMBER),
    Column("Amount", "amount_cents", AMOUNT),
    Column("Currency", "currency"),
    Column("Service Start Date", "service_start_date", DATE),
    Column("Service End Date", "service_end_date", DATE),
    Column("Status", "status"),
    Column("NetSuite Customer ID", "netsuite_customer_id", INTEGER),
    Column("NetSuite Customer Name", "netsuite_customer_name"),
    # OneWorld (SPEC §12); empty in an account without subsidiaries.
    Column("Subsidiary ID", "subsidiary_id", INTEGER),
    Column("Subsidiary", "subsidiary_name"),
]
_SUBSIDIARY = _BILLING[-2:]
_AMOUNTS = [
    Column("NetSuite Amount", "netsuite_cents", AMOUNT),
    Column("RevRec Amount", "revrec_cents", AMOUNT),
    Column("Pending Amount", "pending_cents", AMOUNT),
    Column("Excluded Amount", "excluded_cents", AMOUNT),
    Column("Difference", "difference_cents", AMOUNT),
]
TABS: dict[str, list[Column]] = {
    BILLING_TAB: _BILLING,
    PRODUCT_TAB: [
        Column("Product Code", "product_code"),
        Column("Product Name", "product_name"),
        Column("Item Type", "item_type"),
        Column("NetSuite ID", "netsuite_id", INTEGER),
        Column("Excluded", "excluded"),
    ],
    PENDING_TAB: [
        *_BILLING,
        Column("Reason", "reason"),
        Column("Suggested CRM Name", "suggestion"),
    ],
    RECON_DETAILS_TAB: [
        Column("Period", "period"),
        Column("NetSuite Customer ID", "netsuite_customer_id", INTEGER),
        Column("Customer Name", "netsuite_customer_name"),
        Column("CRM Customer ID", "customer_id"),
        Column("Currency", "currency"),
        *_AMOUNTS,
        Column("Status", "status"),
        *_SUBSIDIARY,
    ],
    RECON_SUMMARY_TAB: [
        Column("Period", "period"),
        Column("Currency", "currency"),
        *_AMOUNTS,
        Column("Customers", "customers", INTEGER),
        Column("Status", "status"),
        *_SUBSIDIARY,
    ],
}
OPTIONAL_TABS = {PENDING_TAB}  # written only when it has rows


def sheet_names(tab: str, rows: int, row_limit: int = EXCEL_MAX_ROWS) -> list[str]:
    """`BillingSchedule`, `BillingSchedule_2`, … for `rows` data rows under `row_limit`."""
    per_sheet = row_limit - 1
    count = max(1, -(-rows // per_sheet))
    return [tab if i == 0 else f"{tab}_{i + 1}" for i in range(count)]


def _cell(value, kind: str):
    if (
        value is None
        or (isinstance(value, float) and value != value)
        or value is pd.NaT
        or value is pd.NA
    ):
        return None
    if kind == AMOUNT:
        return int(value) / 100
    if kind == NUMBER:
        return float(value) if isinstance(value, Decimal | int | float) else value
    if kind == INTEGER:
        return int(value)
    if kind == DATE:
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime(value.year, value.month, value.day)
        return value
    return str(value)


def _rows(frame: pd.DataFrame, columns: list[Column]) -> Iterator[list]:
    arrays = [
        frame[c.source].tolist() if c.source in frame else [None] * len(frame) for c in columns
    ]
    kinds = [c.kind for c in columns]
    for values in zip(*arrays, strict=True):
        yield [_cell(v, k) for v, k in zip(values, kinds, strict=True)]


def _width(column: Column, frame: pd.DataFrame) -> float:
    if column.kind == DATE:
        return 12
    if column.kind in (AMOUNT, NUMBER):
        return max(len(column.header), 14) + 1
    sample = frame[column.source].head(1000) if column.source in frame else []
    longest = max((len(str(v)) for v in sample if v is not None), default=0)
    return min(max(len(column.header), longest) + 2, 60)


def write_workbook(
    path: str | os.PathLike[str],
    frames: dict[str, pd.DataFrame],
    row_limit: int = EXCEL_MAX_ROWS,
) -> list[str]:
    """Write the tabs of SPEC §6 from `frames` (keyed by tab); returns the sheet names."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    workbook = xlsxwriter.Workbook(
        str(partial), {"constant_memory": True, "strings_to_numbers": False}
    )
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    formats = {
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        AMOUNT: workbook.add_format({"num_format": "#,##0.00"}),
        NUMBER: workbook.add_format({"num_format": "#,##0.########"}),
        INTEGER: workbook.add_format({"num_format": "0"}),
    }
    written: list[str] = []
    try:
        for tab, columns in TABS.items():
            frame = frames.get(tab, pd.DataFrame())
            if tab in OPTIONAL_TABS and frame.empty:
                continue
            names = sheet_names(tab, len(frame), row_limit)
            rows = _rows(frame, columns)
            for name in names:
                sheet = workbook.add_worksheet(name)
                for index, column in enumerate(columns):
                    sheet.set_column(index, index, _width(column, frame), formats.get(column.kind))
                    sheet.write_string(0, index, column.header, header_format)
                sheet.freeze_panes(1, 0)
                for row_number in range(1, row_limit):
                    values = next(rows, None)
                    if values is None:
                        break
                    for index, value in enumerate(values):
                        if value is None:
                            continue
                        kind = columns[index].kind
                        if kind == DATE:
                            sheet.write_datetime(row_number, index, value, formats[DATE])
                        elif kind == TEXT:
                            sheet.write_string(row_number, index, value)
                        else:
                            sheet.write_number(row_number, index, value, formats[kind])
                sheet.autofilter(0, 0, 0, len(columns) - 1)
                written.append(name)
        workbook.close()
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written

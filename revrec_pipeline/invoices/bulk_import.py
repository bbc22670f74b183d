"""Reading a reviewed conversion workbook for `revrec import-bulk` (SPEC §6).

Validates tabs, columns and every cell, and reports each problem with its sheet, row and
column; only a workbook without problems yields a billing schedule to load.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from revrec_pipeline.invoices.billing import BILLING_COLUMNS
from revrec_pipeline.invoices.workbook import AMOUNT, BILLING_TAB, DATE, INTEGER, NUMBER, TABS
from revrec_pipeline.journals.periods import is_period, parse_iso_date

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONTINUATION = re.compile(r"^(?P<tab>.+?)(?:_(?P<n>[2-9]|[1-9]\d+))?$")
REQUIRED = {
    "Currency",
    "Customer ID",
    "NetSuite ID",
    "Line ID",
    "Document Date",
    "Period",
    "Amount",
    "NetSuite Customer ID",
    "Document Type",
}
DOCUMENT_TYPES = {"Invoice", "Credit Memo"}
# Columns a workbook written before they existed lacks (OneWorld subsidiary, SPEC §12).
OPTIONAL = {"Subsidiary ID", "Subsidiary"}


class WorkbookError(ValueError):
    """Every problem found in the workbook; nothing was loaded."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s) in {path.name}, nothing loaded:\n{shown}{more}"
        )


def _base_tab(name: str) -> str | None:
    if name in TABS:
        return name
    match = _CONTINUATION.match(name)
    if match and match.group("n") and match.group("tab") in TABS:
        return match.group("tab")
    return None


def _value(raw, kind: str, where: str, problems: list[str]):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == DATE:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        parsed = parse_iso_date(str(raw).strip())
        if parsed is None:
            problems.append(f"{where}: {raw!r} is not a date (expected a date cell or YYYY-MM-DD).")
        return parsed
    if kind in (AMOUNT, NUMBER, INTEGER):
        if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
            problems.append(f"{where}: {raw!r} is not a number.")
            return None
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            problems.append(f"{where}: {raw!r} is not a number.")
            return None
        if kind == AMOUNT:
            cents = number * 100
            if cents != cents.to_integral_value():
                problems.append(f"{where}: {raw!r} has more than 2 decimal places.")
                return None
            return int(cents)
        if kind == INTEGER:
            if number != number.to_integral_value():
                problems.append(f"{where}: {raw!r} is not a whole number.")
                return None
            return int(number)
        return number
    return str(raw).strip()


def read_billing_schedule(path: Path) -> pd.DataFrame:
    """The BillingSchedule tabs of a workbook as a billing frame; raises WorkbookError."""
    problems: list[str] = []
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise WorkbookError(
            path, [f"{path.name} is not a readable .xlsx workbook ({exc})."]
        ) from None
    try:
        names = workbook.sheetnames
        for name in names:
            if _base_tab(name) is None:
                problems.append(
                    f"tab {name!r} is not one of {', '.join(TABS)} (or their _2, _3 continuations)."
                )
        billing_sheets = [n for n in names if _base_tab(n) == BILLING_TAB]
        if BILLING_TAB not in names:
            problems.append(f"tab {BILLING_TAB!r} is missing.")
        columns = TABS[BILLING_TAB]
        records: list[dict] = []
        seen: dict[tuple[int, int], str] = {}
        for name in billing_sheets:
            rows = workbook[name].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
            missing = [
                c.header for c in columns if c.header not in header and c.header not in OPTIONAL
            ]
            if missing:
                problems.append(f"sheet {name}: missing column(s) {', '.join(missing)}.")
            # The cells of the columns that are there are still checked: every problem at once.
            position = {c.header: header.index(c.header) for c in columns if c.header in header}
            for row_number, row in enumerate(rows, start=2):
                if row is None or all(v is None for v in row):
                    continue
                record = {}
                for column in columns:
                    if column.header not in position:
                        continue
                    index = position[column.header]
                    raw = row[index] if index < len(row) else None
                    where = f"sheet {name} row {row_number}, column {column.header}"
                    value = _value(raw, column.kind, where, problems)
                    empty = raw is None or str(raw).strip() == ""
                    if empty and column.header in REQUIRED:
                        problems.append(f"{where}: is empty.")
                    record[column.source] = value
                where = f"sheet {name} row {row_number}"
                period = record.get("period")
                if period is not None and not is_period(period):
                    problems.append(f"{where}, column Period: {period!r} is not YYYY-MM.")
                currency = record.get("currency")
                if currency is not None and not _CURRENCY.match(currency):
                    problems.append(
                        f"{where}, column Currency: {currency!r} is not a 3-letter ISO code."
                    )
                kind = record.get("document_type")
                if kind is not None and kind not in DOCUMENT_TYPES:
                    problems.append(
                        f"{where}, column Document Type: {kind!r} is not Invoice or Credit Memo."
                    )
                key = (record.get("netsuite_id"), record.get("line_id"))
                if None not in key:
                    if key in seen:
                        problems.append(
                            f"{where}: NetSuite ID {key[0]} line {key[1]} repeats {seen[key]}."
                        )
                    seen[key] = where
                records.append(record)
    finally:
        workbook.close()
    if problems:
        raise WorkbookError(path, problems)
    return pd.DataFrame(records, columns=[c.source for c in columns])[
        [c for c in BILLING_COLUMNS if c in {col.source for col in columns}]
    ]

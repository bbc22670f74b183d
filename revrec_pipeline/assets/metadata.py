"""Metadata the Dagster UI shows well: tables with a column schema, money as decimal amounts,
numeric totals it plots run over run. Dagster-only helpers shared by the asset modules.

What the UI (dagster-webserver 1.13.27, ui-core) does with them, and why the helpers look so:
- `MetadataValue.table` is drawn as a real table (`TableMetadataEntryComponent` in
  `ui-core/src/metadata/MetadataEntry.tsx`); each cell is printed with JavaScript's
  `toString()`, so a number 1234.50 would show as `1234.5`. Money therefore goes in as a
  fixed two-place string (`"1234.50"`, exact from integer cents, no thousands separator so that
  `Decimal(value)` reads it back) in a column typed `decimal`, with the currency in its own column.
- Only `IntMetadataEntry` and `FloatMetadataEntry` are plotted
  (`ui-core/src/assets/AssetMaterializationGraphs.tsx`), one plot per key, so totals are floats
  under keys that stay the same from run to run (`billed_USD`).
- `dagster/column_schema` (a `TableSchema`) and `dagster/row_count` are the standard keys the
  asset page reads for "Columns" and "Row count".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import dagster as dg
import pandas as pd

OWNERS = ["team:revrec"]  # owners of every asset of the location
ROW_LIMIT = 100  # rows of a metadata table: enough to read, small enough for the event log

STRING, INT, FLOAT, DECIMAL, DATE, BOOL = "string", "int", "float", "decimal", "date", "bool"


@dataclass(frozen=True)
class Column:
    """One column of a metadata table: DataFrame column `source`, shown as `name`.

    `type` is what the UI shows next to the name; a `decimal` column holds integer cents in the
    DataFrame and shows them as a decimal amount."""

    name: str
    source: str
    type: str = STRING
    description: str | None = None


def text(name: str, source: str, description: str | None = None) -> Column:
    return Column(name, source, STRING, description)


def integer(name: str, source: str, description: str | None = None) -> Column:
    return Column(name, source, INT, description)


def number(name: str, source: str, description: str | None = None) -> Column:
    return Column(name, source, FLOAT, description)


def date(name: str, source: str, description: str | None = None) -> Column:
    return Column(name, source, DATE, description)


def money(name: str, source: str, description: str | None = None) -> Column:
    """Integer cents in `source`, shown as a decimal amount in the row's currency."""
    return Column(name, source, DECIMAL, description or "Amount in the row's currency.")


def amount(cents: int) -> Decimal:
    """Integer cents as an exact decimal amount with two places (123450 → 1234.50)."""
    return Decimal(int(cents)).scaleb(-2)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell(value: Any, kind: str) -> str | int | float | bool | None:
    if _missing(value):
        return None
    if kind == DECIMAL:
        return str(amount(value))
    if kind == INT:
        return int(value)
    if kind == FLOAT:
        return float(value)
    if kind == BOOL:
        return bool(value)
    if kind == DATE and isinstance(value, dt.date | pd.Timestamp):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def table_schema(columns: Sequence[Column]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in columns]
    )


def table(
    frame: pd.DataFrame, columns: Sequence[Column], *, limit: int = ROW_LIMIT
) -> dg.TableMetadataValue:
    """The first `limit` rows of `frame` (in its order) as a table with its schema."""
    head = frame.head(limit)
    arrays = [head[c.source].tolist() if c.source in head else [None] * len(head) for c in columns]
    records = [
        dg.TableRecord({c.name: _cell(v, c.type) for c, v in zip(columns, values, strict=True)})
        for values in zip(*arrays, strict=True)
    ]
    return dg.MetadataValue.table(records, schema=table_schema(columns))


def table_entries(
    key: str,
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    limit: int = ROW_LIMIT,
    where_all: str = "",
    total_rows: int | None = None,
) -> dict[str, dg.MetadataValue]:
    """`{key: table}` of the first `limit` rows, plus `{key}_truncated` saying how many rows it
    shows when there are more (and, if given, where all of them are: "the job's workbook").

    `total_rows`: the row count of the whole table when `frame` is already only its head."""
    entries: dict[str, dg.MetadataValue] = {key: table(frame, columns, limit=limit)}
    total = len(frame) if total_rows is None else total_rows
    if total > limit:
        rest = f"; all rows are in {where_all}" if where_all else ""
        entries[f"{key}_truncated"] = dg.MetadataValue.text(
            f"Shows the first {limit} of {total} rows{rest}."
        )
    return entries


def _dtype_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return BOOL
    if pd.api.types.is_integer_dtype(series):
        return INT
    if pd.api.types.is_float_dtype(series):
        return FLOAT
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    # object columns: name the type of what they hold (dates, Decimals, ints, text)
    sample = next((v for v in series if not _missing(v)), None)
    if isinstance(sample, bool):
        return BOOL
    if isinstance(sample, int):
        return INT
    if isinstance(sample, Decimal):
        return DECIMAL
    if isinstance(sample, float):
        return FLOAT
    if isinstance(sample, dt.datetime):
        return "datetime"
    if isinstance(sample, dt.date):
        return DATE
    return STRING


def column_schema(
    frame: pd.DataFrame, descriptions: Mapping[str, str] | None = None
) -> dg.TableSchema:
    """The schema of the DataFrame an asset outputs, for `dagster/column_schema`; columns
    ending in `_cents` are described as integer cents unless `descriptions` says otherwise."""
    descriptions = descriptions or {}
    columns = []
    for name in frame.columns:
        described = descriptions.get(name)
        if described is None and str(name).endswith("_cents"):
            described = "Integer cents in the row's currency."
        columns.append(dg.TableColumn(str(name), _dtype_type(frame[name]), description=described))
    return dg.TableSchema(columns=columns)


def frame_entries(
    frame: pd.DataFrame, descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`dagster/row_count` and `dagster/column_schema` of a DataFrame output."""
    return {
        "dagster/row_count": dg.MetadataValue.int(len(frame)),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(frame, descriptions)),
    }


def amount_entries(
    prefix: str, cents_by_currency: Mapping[str, int], currencies: Iterable[str] = ()
) -> dict[str, dg.MetadataValue]:
    """`{prefix}_{currency}` → the total as a decimal amount (a float the UI plots).

    Pass `currencies` to report 0 for a currency with no rows, so its plot does not have gaps."""
    totals = {str(c): 0 for c in currencies} | {
        str(c): int(v) for c, v in cents_by_currency.items()
    }
    return {
        f"{prefix}_{currency}": dg.MetadataValue.float(float(amount(cents)))
        for currency, cents in sorted(totals.items())
    }

"""The close workbook (SPEC §11): `REVREC_HOME/close/close-YYYY-MM.xlsx`, one per closed period,
written at each posting run of the period (so after a reopen too). Pure: plain data in, one
`.xlsx` out, written with the invoice workbook's typed cells, frozen header rows and widths
(`invoices.workbook`), through a temporary file renamed over the old one.

Tabs:
- JournalEntries: one row per journal line of the period's plan, with its entry's posting state;
- JournalDetail: each journal line's composition by event, customer, product and currency (the
  audit trail of `revrec explain`); a line's parts add up to it exactly;
- Waterfall: the deferred revenue waterfall, and a native column chart of the recognition still
  to come per month and currency (its data beside the waterfall lines);
- RPO: RPO, cRPO, deferred revenue and unbilled receivable per currency, then per customer;
- TieOut: the period's latest GL tie-out (OK, DIFFERENCE, NOT CHECKED or NOT RUN).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from revrec_pipeline.invoices.workbook import (
    AMOUNT,
    DATE,
    DATETIME,
    INTEGER,
    TEXT,
    Column,
    Formats,
    Tab,
    Table,
    write_header,
    write_tabs,
    write_values,
)
from revrec_pipeline.journals.entries import JournalEntry
from revrec_pipeline.journals.explain import Explanation
from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.journals.waterfall import Waterfall
from revrec_pipeline.store.tieout import NOT_RUN, tieout_status

ENTRIES_TAB, DETAIL_TAB, WATERFALL_TAB, RPO_TAB, TIEOUT_TAB = (
    "JournalEntries",
    "JournalDetail",
    "Waterfall",
    "RPO",
    "TieOut",
)
TABS = (ENTRIES_TAB, DETAIL_TAB, WATERFALL_TAB, RPO_TAB, TIEOUT_TAB)
STANDARD_SEGMENTS = ("subsidiary", "department", "class", "location")

ENTRY_COLUMNS = [
    Column("Entry External ID", "external_id"),
    Column("NetSuite ID", "netsuite_id", INTEGER),
    Column("Status", "status"),
    Column("Event", "event"),
    Column("Currency", "currency"),
    Column("Subsidiary", "subsidiary"),  # OneWorld internal id; empty without it
    Column("Line", "line", INTEGER),
    Column("Account", "account_id"),
    Column("Debit", "debit_cents", AMOUNT),
    Column("Credit", "credit_cents", AMOUNT),
]
ENTRY_TAIL = [
    Column("Tran Date", "tran_date", DATE),
    Column("Posted At (UTC)", "posted_at", DATETIME),
]
DETAIL_COLUMNS = [
    Column("Entry External ID", "external_id"),
    Column("Line", "line", INTEGER),
    Column("Account", "account_id"),
    Column("Side", "side"),
    Column("Event", "event"),
    Column("Customer ID", "customer_id"),
    Column("Product Code", "product_code"),
    Column("Currency", "currency"),
    Column("Subsidiary", "subsidiary"),
    Column("Amount", "amount_cents", AMOUNT),
]
RPO_COLUMNS = [
    Column("Currency", "currency"),
    Column("Contract", "contract_cents", AMOUNT),
    Column("Recognized", "recognized_cents", AMOUNT),
    Column("RPO", "rpo_cents", AMOUNT),
    Column("cRPO", "crpo_cents", AMOUNT),
    Column("Deferred Revenue", "deferred_cents", AMOUNT),
    Column("Unbilled Receivable", "unbilled_cents", AMOUNT),
]
BALANCE_COLUMNS = [
    Column("Customer ID", "customer_id"),
    Column("Currency", "currency"),
    Column("Subsidiary", "subsidiary"),
    Column("Billed", "billed_cents", AMOUNT),
    Column("Recognized", "recognized_cents", AMOUNT),
    Column("Deferred Revenue", "deferred_cents", AMOUNT),
    Column("Unbilled Receivable", "unbilled_cents", AMOUNT),
]
TIEOUT_COLUMNS = [
    Column("Period", "period"),
    Column("Status", "status"),
    Column("Checked At (UTC)", "checked_at", DATETIME),
    Column("Entries Checked", "entries_checked", INTEGER),
    Column("Differing Entries", "differing_entries", INTEGER),
    Column("Summary", "summary"),
]
DIFFERENCE_COLUMNS = [
    Column("Entry External ID", "external_id"),
    Column("Finding", "kind"),
    Column("Account", "account_id"),
    Column("Currency", "currency"),
    Column("Posted Debit", "store_debit", AMOUNT),
    Column("Posted Credit", "store_credit", AMOUNT),
    Column("NetSuite Debit", "netsuite_debit", AMOUNT),
    Column("NetSuite Credit", "netsuite_credit", AMOUNT),
    Column("Difference", "difference", AMOUNT),
]
FINDING_COLUMNS = [Column("Finding", "finding")]
GL_BALANCE_COLUMNS = [
    Column("Account Type", "account_type"),
    Column("Account", "account_id"),
    Column("Currency", "currency"),
    Column("GL Balance", "netsuite_cents", AMOUNT),
    Column("GL Balance (Base Currency)", "netsuite_base_cents", AMOUNT),
    Column("RevRec Balance", "revrec_cents", AMOUNT),
]
DIFFERENCES_TITLE = "Differences (per entry, account and currency; debit positive)"
FINDINGS_TITLE = "Findings"
GL_BALANCES_TITLE = (
    "GL balances of the mapped deferred revenue and unbilled receivable accounts through the "
    "period end (every transaction, debit positive), beside what RevRec's entries put there"
)
BALANCES_TITLE = "Per customer and currency"
CHART_TITLE = "Revenue still to recognize, by month"


@dataclass(frozen=True)
class CloseInputs:
    """What the close workbook of `period` shows.

    `plan`: the period's entries with their posting state (`store.journals.read_plan`);
    `explanation`: its audit trail (`store.explain.explain_from_store`), or None with
    `detail_note` saying why it could not be traced; `waterfall`: as of the period's end;
    `tieout`: the period's latest tie-out record (`store.tieout.latest_tieout`) or None."""

    period: str
    plan: Sequence[tuple[JournalEntry, dict[str, Any]]]
    explanation: Explanation | None
    waterfall: Waterfall
    tieout: dict[str, Any] | None = None
    detail_note: str | None = None


def segment_fields(plan: Sequence[tuple[JournalEntry, dict]]) -> list[str]:
    """Every segment field the lines carry: the standard ones first, then custom ones."""
    found = {name for entry, _ in plan for line in entry.lines for name, _ in line.segments}
    return [s for s in STANDARD_SEGMENTS if s in found] + sorted(found - set(STANDARD_SEGMENTS))


def _segment_header(field: str) -> str:
    return field.capitalize() if field in STANDARD_SEGMENTS else field


def _netsuite_id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def entry_lines(plan: Sequence[tuple[JournalEntry, dict]]) -> tuple[pd.DataFrame, list[Column]]:
    """One row per journal line (numbered from 1 within its entry, as `revrec explain` does);
    the columns, one per segment field."""
    fields = segment_fields(plan)
    rows = []
    for entry, state in plan:
        for number, line in enumerate(entry.lines, start=1):
            segments = dict(line.segments)
            rows.append(
                {
                    "external_id": entry.external_id,
                    "netsuite_id": _netsuite_id(state.get("netsuite_id")),
                    "status": str(state.get("status") or ""),
                    "event": entry.event,
                    "currency": entry.currency,
                    "subsidiary": entry.subsidiary or None,
                    "line": number,
                    "account_id": line.account_id,
                    "debit_cents": line.debit_cents or None,
                    "credit_cents": line.credit_cents or None,
                    **{f"segment_{f}": segments.get(f) for f in fields},
                    "tran_date": period_end(entry.period),
                    "posted_at": state.get("posted_at"),
                }
            )
    columns = [
        *ENTRY_COLUMNS,
        *(Column(_segment_header(f), f"segment_{f}") for f in fields),
        *ENTRY_TAIL,
    ]
    return pd.DataFrame(rows, columns=[c.source for c in columns], dtype=object), columns


def detail_rows(explanation: Explanation) -> pd.DataFrame:
    """Each journal line's parts (event, customer, product, currency): signed so that the
    parts of a line add up to its amount."""
    lines = explanation.lines[["external_id", "line", "account_id", "side"]]
    parts = explanation.contributions.merge(lines, on=["external_id", "line"], how="left")
    parts = parts.sort_values(
        ["external_id", "line", "customer_id", "product_code", "event"], kind="stable"
    )
    return no_subsidiary_blank(parts[[c.source for c in DETAIL_COLUMNS]].reset_index(drop=True))


def no_subsidiary_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows without a subsidiary (no OneWorld) show an empty cell, not an empty text."""
    if "subsidiary" not in frame:
        return frame
    return frame.assign(subsidiary=frame["subsidiary"].replace("", None))


def waterfall_columns(wf: Waterfall) -> list[Column]:
    return [
        Column("Customer ID", "customer_id"),
        Column("Currency", "currency"),
        Column("Subsidiary", "subsidiary"),
        Column("Product Code", "product_code"),
        Column("Contract", "contract_cents", AMOUNT),
        Column("Recognized", "recognized_cents", AMOUNT),
        *(Column(month, month, AMOUNT) for month in wf.months),
        Column("Later", "later_cents", AMOUNT),
    ]


def future_by_currency(wf: Waterfall) -> pd.DataFrame:
    """Per currency, the recognition still to come in each of the next months (the chart)."""
    columns = ["currency", *wf.months]
    if wf.lines.empty:
        return pd.DataFrame(columns=columns)
    return wf.lines.groupby("currency", as_index=False)[list(wf.months)].sum()[columns]


def tieout_frames(record: dict[str, Any] | None, period: str) -> list[Table]:
    status = tieout_status(record)
    if record is None:
        summary = (
            f"No GL tie-out of {period} has run yet; it runs after each posting run of the period."
        )
        head = {"period": period, "status": NOT_RUN, "summary": summary}
        return [Table(TIEOUT_COLUMNS, pd.DataFrame([head]))]
    differing = sorted({d["external_id"] for d in record["differences"]})
    if record["error"]:
        summary = record["error"]
    elif record["passed"]:
        summary = (
            f"NetSuite's ledger holds all {record['entries_checked']} posted RevRec entries "
            f"through {period} exactly as posted."
        )
    else:
        summary = f"{len(differing)} entries differ in NetSuite: {', '.join(differing)}."
    head = {
        "period": record["period"],
        "status": status,
        "checked_at": record["checked_at"],
        "entries_checked": record["entries_checked"],
        "differing_entries": len(differing),
        "summary": summary,
    }
    return [
        Table(TIEOUT_COLUMNS, pd.DataFrame([head])),
        Table(
            DIFFERENCE_COLUMNS,
            pd.DataFrame(record["differences"], columns=[c.source for c in DIFFERENCE_COLUMNS]),
            DIFFERENCES_TITLE,
        ),
        Table(
            FINDING_COLUMNS,
            pd.DataFrame({"finding": list(record["findings"])}, columns=["finding"]),
            FINDINGS_TITLE,
        ),
        Table(
            GL_BALANCE_COLUMNS,
            pd.DataFrame(record["balances"], columns=[c.source for c in GL_BALANCE_COLUMNS]),
            GL_BALANCES_TITLE,
        ),
    ]


def close_tabs(inputs: CloseInputs) -> list[Tab]:
    """The five tabs, in order."""
    entries, entry_columns = entry_lines(inputs.plan)
    if inputs.explanation is not None:
        detail = Table(DETAIL_COLUMNS, detail_rows(inputs.explanation))
    else:
        detail = Table(
            DETAIL_COLUMNS,
            pd.DataFrame(columns=[c.source for c in DETAIL_COLUMNS]),
            inputs.detail_note or "The journal lines of this period could not be traced.",
        )
    wf = inputs.waterfall
    return [
        Tab(ENTRIES_TAB, [Table(entry_columns, entries)]),
        Tab(DETAIL_TAB, [detail]),
        Tab(WATERFALL_TAB, [Table(waterfall_columns(wf), no_subsidiary_blank(wf.lines))]),
        Tab(
            RPO_TAB,
            [
                Table(RPO_COLUMNS, wf.rpo),
                Table(BALANCE_COLUMNS, no_subsidiary_blank(wf.balances), BALANCES_TITLE),
            ],
        ),
        Tab(TIEOUT_TAB, tieout_frames(inputs.tieout, inputs.period)),
    ]


def _add_chart(workbook, sheets: dict, formats: Formats, wf: Waterfall, first_col: int) -> bool:
    """Beside the waterfall lines: the per-currency months, and a column chart of them (one
    series per currency). Returns whether a chart was added (none without future revenue)."""
    future = future_by_currency(wf)
    if future.empty:
        return False
    sheet = sheets[WATERFALL_TAB]
    name = sheet.get_name()
    columns = [Column("Currency", "currency", TEXT), *(Column(m, m, AMOUNT) for m in wf.months)]
    write_header(sheet, formats, 0, columns, first_col)
    sheet.set_column(first_col, first_col, 10)
    sheet.set_column(first_col + 1, first_col + len(wf.months), 15)
    for offset, row in enumerate(future.to_dict("records"), start=1):
        values = [row["currency"], *(int(row[m]) / 100 for m in wf.months)]
        write_values(sheet, formats, offset, values, columns, first_col)
    chart = workbook.add_chart({"type": "column"})
    last = first_col + len(wf.months)
    for offset in range(1, len(future) + 1):
        chart.add_series(
            {
                "name": [name, offset, first_col],
                "categories": [name, 0, first_col + 1, 0, last],
                "values": [name, offset, first_col + 1, offset, last],
            }
        )
    chart.set_title({"name": f"{CHART_TITLE} after {wf.period}"})
    chart.set_x_axis({"name": "Month"})
    chart.set_y_axis({"name": "Amount (in each currency)", "num_format": "#,##0"})
    chart.set_size({"width": 900, "height": 380})
    sheet.insert_chart(xl_rowcol_to_cell(len(future) + 2, first_col), chart)
    return True


def write_close_workbook(path: str | os.PathLike[str], inputs: CloseInputs) -> dict[str, Any]:
    """Write the close workbook of `inputs.period` to `path` (atomically). Returns the data
    rows per tab, the tie-out status and whether the chart was drawn."""
    tabs = close_tabs(inputs)
    drawn: list[bool] = []
    waterfall_width = len(waterfall_columns(inputs.waterfall))

    def finish(workbook, sheets, formats):
        drawn.append(_add_chart(workbook, sheets, formats, inputs.waterfall, waterfall_width + 1))

    write_tabs(path, tabs, constant_memory=False, finish=finish)
    rows = {
        ENTRIES_TAB: len(tabs[0].tables[0].frame),
        DETAIL_TAB: len(tabs[1].tables[0].frame),
        WATERFALL_TAB: len(inputs.waterfall.lines),
        RPO_TAB: len(inputs.waterfall.rpo),
        TIEOUT_TAB: len(inputs.tieout["differences"]) if inputs.tieout else 0,
    }
    return {"rows": rows, "tieout": tieout_status(inputs.tieout), "chart": bool(drawn and drawn[0])}


def close_workbook_path(home: str | os.PathLike[str], period: str) -> str:
    return os.path.join(os.fspath(home), "close", f"close-{period}.xlsx")

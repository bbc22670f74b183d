"""GL tie-out results kept per period (SPEC §11): every run of the `gl_tieout` check records one
row; the latest per period is what `revrec journals post`, `revrec status` and the close
workbook's TieOut tab show.

A row's `result` is JSON: the findings (one sentence per differing entry), the differences (per
entry, account and currency, integer cents), the GL balance rows, the currencies checked, and
`error`: the sentence saying why NetSuite's ledger could not be read (then nothing was compared
and the row is not passed).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from revrec_pipeline.journals.explain import money_text
from revrec_pipeline.journals.tieout import TieOut
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, utcnow

OK, DIFFERENCE, NOT_CHECKED, NOT_RUN = "OK", "DIFFERENCE", "NOT CHECKED", "NOT RUN"


def tieout_result(result: TieOut, error: str | None = None) -> dict[str, Any]:
    """The JSON-ready body of a tie-out (amounts integer cents)."""
    return {
        "findings": list(result.findings),
        "differences": [{**asdict(d), "difference": d.difference} for d in result.differences],
        "balances": [asdict(b) for b in result.balances],
        "currencies": list(result.currencies),
        "error": error,
    }


def record_tieout(
    store: RevRecStore, result: TieOut, *, error: str | None = None, checked_at=None
) -> dict[str, Any]:
    """Keep one tie-out of `result.period`; `error`: NetSuite's ledger could not be read (the
    row is then not passed). Returns the record as `latest_tieouts` gives it."""
    checked_at = checked_at or utcnow()
    passed = result.passed and error is None
    body = tieout_result(result, error)
    with store.write() as conn:
        conn.execute(
            insert(schema.gl_tieout).values(
                period=result.period,
                checked_at=checked_at,
                passed=passed,
                entries_checked=result.entries_checked,
                result=json.dumps(body, sort_keys=True),
            )
        )
    return _record(result.period, checked_at, passed, result.entries_checked, body)


def _record(period, checked_at, passed, entries_checked, body) -> dict[str, Any]:
    return {
        "period": period,
        "checked_at": checked_at,
        "passed": bool(passed),
        "entries_checked": int(entries_checked),
        "findings": body.get("findings", []),
        "differences": body.get("differences", []),
        "balances": body.get("balances", []),
        "currencies": body.get("currencies", []),
        "error": body.get("error"),
    }


def latest_tieouts(store: RevRecStore) -> dict[str, dict[str, Any]]:
    """Period → its latest tie-out (result decoded), in period order."""
    table = schema.gl_tieout
    latest = select(func.max(table.c.id)).group_by(table.c.period).scalar_subquery()
    query = select(table).where(table.c.id.in_(latest)).order_by(table.c.period)
    with store.read() as conn:
        return {
            row.period: _record(
                row.period, row.checked_at, row.passed, row.entries_checked, json.loads(row.result)
            )
            for row in conn.execute(query)
        }


def latest_tieout(store: RevRecStore, period: str) -> dict[str, Any] | None:
    table = schema.gl_tieout
    query = select(table).where(table.c.period == period).order_by(table.c.id.desc()).limit(1)
    with store.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return _record(
        row.period, row.checked_at, row.passed, row.entries_checked, json.loads(row.result)
    )


def tieout_status(record: dict[str, Any] | None) -> str:
    """OK, DIFFERENCE, NOT CHECKED (NetSuite's ledger could not be read) or NOT RUN (none)."""
    if record is None:
        return NOT_RUN
    if record["error"]:
        return NOT_CHECKED
    return OK if record["passed"] else DIFFERENCE


def _when(checked_at: datetime) -> str:
    return f"{checked_at:%Y-%m-%d %H:%M} UTC"


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def difference_text(difference: dict[str, Any]) -> str:
    """`account 4000 USD: debit 0.00 posted, 1.23 in NetSuite`, only the sides that differ."""
    sides = []
    for side in ("debit", "credit"):
        posted, held = difference[f"store_{side}"], difference[f"netsuite_{side}"]
        if posted != held:
            sides.append(f"{side} {money_text(posted)} posted, {money_text(held)} in NetSuite")
    return f"account {difference['account_id']} {difference['currency']}: {' and '.join(sides)}"


def tieout_lines(record: dict[str, Any]) -> list[str]:
    """What a command prints of one tie-out: one line when OK, else a heading and one line per
    differing entry (its external id, the finding, each differing account's amounts)."""
    head = f"Tie-out {record['period']} (checked {_when(record['checked_at'])})"
    checked = record["entries_checked"]
    if record["error"]:
        return [f"{head}: {NOT_CHECKED}: {record['error']}"]
    if record["passed"]:
        return [f"{head}: {OK}, {_entries(checked)} as posted."]
    by_entry: dict[str, list[dict]] = defaultdict(list)
    for difference in record["differences"]:
        by_entry[difference["external_id"]].append(difference)
    count = len(by_entry)
    lines = [
        f"{head}: {DIFFERENCE}, {count} RevRec entr{'y differs' if count == 1 else 'ies differ'} "
        f"in NetSuite ({checked} checked):"
    ]
    for external_id, differences in sorted(by_entry.items()):
        kinds = sorted({d["kind"] for d in differences})
        lines.append(
            f"  {external_id} {', '.join(kinds)}: "
            + "; ".join(difference_text(d) for d in differences)
        )
    return lines

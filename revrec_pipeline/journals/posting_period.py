"""The NetSuite posting period of a period's journal entries (SPEC §7, reference §9).

An entry is dated the last day of its month; its posting period is the one period whose
`startdate <= date <= enddate` that posts (`isposting`) and is not a quarter, year or
adjustment period. Only calendar-month periods are supported: an account on a 4-4-5 or other
fiscal calendar is refused, in one sentence, before anything is written.
"""

from __future__ import annotations

from datetime import date

from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.netsuite.literals import date_sql
from revrec_pipeline.netsuite.profile import POSTING_PERIODS_SQL, is_calendar_month


class PostingPeriodError(ValueError):
    """NetSuite's periods do not give the entries one open calendar-month posting period."""


def posting_period_query(day: date) -> str:
    """SuiteQL for the posting periods containing `day`; the date is an inlined literal that
    `date_sql` formatted and validated (no bound parameter inside TO_DATE)."""
    on = date_sql(day)
    return (
        "SELECT id, periodname, TO_CHAR(startdate, 'YYYY-MM-DD') AS startdate, "
        "TO_CHAR(enddate, 'YYYY-MM-DD') AS enddate, closed, alllocked FROM accountingperiod "
        f"WHERE {POSTING_PERIODS_SQL} AND startdate <= {on} AND enddate >= {on} ORDER BY id"
    )


def _name(row: dict) -> str:
    return row.get("periodname") or f"id {row.get('id')}"


def choose_posting_period(rows: list[dict], period: str) -> dict:
    """The one posting period of `period`'s entries, or PostingPeriodError saying why not."""
    day = period_end(period)
    if not rows:
        raise PostingPeriodError(
            f"NetSuite has no posting period containing {day} (the last day of {period}); "
            "set up that accounting period in NetSuite before posting."
        )
    if len(rows) > 1:
        raise PostingPeriodError(
            f"NetSuite has {len(rows)} posting periods containing {day} "
            f"({', '.join(_name(r) for r in rows)}); expected exactly one (several fiscal "
            "calendars are not supported yet)."
        )
    row = rows[0]
    start, end = str(row.get("startdate", ""))[:10], str(row.get("enddate", ""))[:10]
    if not _is_month_of(start, end, day):
        raise PostingPeriodError(
            f"NetSuite's posting period {_name(row)} runs from {start} to {end}, not the "
            f"calendar month {period}: the account uses a non-calendar fiscal calendar (4-4-5 "
            "or similar), which journal posting does not support yet."
        )
    return row


def _is_month_of(start: str, end: str, day: date) -> bool:
    """The period runs over the calendar month of `day` (its last day)."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return False
    return last == day and is_calendar_month(first, last)


def closed_problem(row: dict) -> str | None:
    """Why nothing can be written to this posting period, or None."""
    if row.get("closed") == "T" or row.get("alllocked") == "T":
        return (
            f"NetSuite period {_name(row)} is closed or locked; reopen it (or unlock it) in "
            "NetSuite before posting."
        )
    return None

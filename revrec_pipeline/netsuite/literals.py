"""Date and datetime literals inlined into SuiteQL.

Bound `?` parameters are documented for plain comparisons only; inside `TO_TIMESTAMP` /
`TO_DATE` every public client inlines a literal (reference §9). So these are inlined, after the
client has formatted and validated them itself: nothing but digits, `-`, `:` and one space can
reach the query text.
"""

from __future__ import annotations

import re
from datetime import date, datetime

NS_DATETIME = "YYYY-MM-DD HH24:MI:SS"
NS_DATE = "YYYY-MM-DD"
PY_DATETIME = "%Y-%m-%d %H:%M:%S"
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def timestamp_sql(value: datetime | str) -> str:
    """`TO_TIMESTAMP('2026-10-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')` for an account-local
    wall time (a datetime, or text already in that form)."""
    text = value.strftime(PY_DATETIME) if isinstance(value, datetime) else str(value)
    if not _DATETIME_RE.fullmatch(text) or not _parses(datetime.strptime, text, PY_DATETIME):
        raise ValueError(f"{text!r} is not a 'YYYY-MM-DD HH:MM:SS' datetime.")
    return f"TO_TIMESTAMP('{text}', '{NS_DATETIME}')"


def date_sql(value: date | str) -> str:
    """`TO_DATE('2026-10-31', 'YYYY-MM-DD')`."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    if not _DATE_RE.fullmatch(text) or not _parses(date.fromisoformat, text):
        raise ValueError(f"{text!r} is not a 'YYYY-MM-DD' date.")
    return f"TO_DATE('{text}', '{NS_DATE}')"


def _parses(parse, *args) -> bool:
    """A real moment, not just the right shape (no 2026-02-30)."""
    try:
        parse(*args)
    except ValueError:
        return False
    return True

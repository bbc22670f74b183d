r"""Accounting periods are calendar months written YYYY-MM; dates are written YYYY-MM-DD.

`[0-9]`, not `\d`: `\d` also matches full-width and other Unicode digits."""

from __future__ import annotations

import calendar
import re
from datetime import date

PERIOD_FORMAT = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def is_period(value: str | None) -> bool:
    return bool(value) and PERIOD_FORMAT.match(value) is not None


def parse_iso_date(value: str) -> date | None:
    """A YYYY-MM-DD date, or None (ISO week dates and other forms are not accepted)."""
    if not ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, 1)


def period_end(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def periods_between(first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, inclusive."""
    out, current = [], first
    while current <= last:
        out.append(current)
        current = next_period(current)
    return out

"""Accounting periods are calendar months written YYYY-MM."""

from __future__ import annotations

import calendar
import re
from datetime import date

PERIOD_FORMAT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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

"""SuiteQL's functions (TO_CHAR, TO_DATE, BUILTIN.DF labels, ...) and NetSuite's value formats."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from json.encoder import encode_basestring_ascii

from .labels import APPROVAL_LABELS, STATUS_LABELS, TYPE_LABELS

_FMT_TOKEN_RE = re.compile(
    r'"[^"]*"|YYYY|HH24|HH12|HH|MI|SS|MM|DD|MONTH|MON|DY|AM|PM|YY|Q|.', re.IGNORECASE | re.DOTALL
)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def parse_stored(value: str) -> datetime:
    """Stored dates/datetimes are ISO text ('YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD')."""
    return datetime.fromisoformat(str(value).strip())


def to_char(value, fmt: str | None = None):
    if value is None:
        return None
    if fmt is None or isinstance(value, int | float):
        return format_scalar(value)
    moment = parse_stored(value)
    # The two formats every client uses, without the token walk (a page has thousands).
    if fmt == "YYYY-MM-DD":
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    if fmt == "YYYY-MM-DD HH24:MI:SS":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return "".join(_format_token(tok, moment) for tok in _FMT_TOKEN_RE.findall(fmt))


_TOKENS = {
    "YYYY": lambda m: f"{m.year:04d}",
    "YY": lambda m: f"{m.year % 100:02d}",
    "MM": lambda m: f"{m.month:02d}",
    "DD": lambda m: f"{m.day:02d}",
    "HH24": lambda m: f"{m.hour:02d}",
    "HH": lambda m: f"{m.hour % 12 or 12:02d}",
    "HH12": lambda m: f"{m.hour % 12 or 12:02d}",
    "MI": lambda m: f"{m.minute:02d}",
    "SS": lambda m: f"{m.second:02d}",
    "MON": lambda m: _MONTHS[m.month - 1][:3].upper(),
    "MONTH": lambda m: _MONTHS[m.month - 1].upper(),
    "DY": lambda m: m.strftime("%a").upper(),
    "AM": lambda m: "AM" if m.hour < 12 else "PM",
    "PM": lambda m: "AM" if m.hour < 12 else "PM",
    "Q": lambda m: str((m.month - 1) // 3 + 1),
}


def _format_token(tok: str, m: datetime) -> str:
    formatter = _TOKENS.get(tok.upper())
    if formatter is not None:
        return formatter(m)
    if tok.startswith('"'):
        return tok[1:-1]
    return tok


def to_datetime(value, fmt: str | None = None):
    """TO_DATE / TO_TIMESTAMP: parse text by an Oracle format into the stored ISO form."""
    if value is None:
        return None
    fmt = (fmt or "YYYY-MM-DD HH24:MI:SS").strip()
    pattern = _oracle_format_regex(fmt)
    match = re.fullmatch(pattern, str(value).strip())
    if not match:
        raise ValueError(f"Invalid date value '{value}' for format '{fmt}'")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    hour = parts.get("hour24", parts.get("hour12", 0))
    moment = datetime(
        parts["year"],
        parts.get("month", 1),
        parts.get("day", 1),
        hour,
        parts.get("minute", 0),
        parts.get("second", 0),
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _oracle_format_regex(fmt: str) -> str:
    pieces = {
        "YYYY": r"(?P<year>\d{4})",
        "MM": r"(?P<month>\d{1,2})",
        "DD": r"(?P<day>\d{1,2})",
        "HH24": r"(?P<hour24>\d{1,2})",
        "HH": r"(?P<hour12>\d{1,2})",
        "HH12": r"(?P<hour12>\d{1,2})",
        "MI": r"(?P<minute>\d{1,2})",
        "SS": r"(?P<second>\d{1,2})",
    }
    out = []
    for tok in _FMT_TOKEN_RE.findall(fmt):
        up = tok.upper()
        if up in pieces:
            out.append(pieces[up])
        elif tok.startswith('"'):
            out.append(re.escape(tok[1:-1]))
        else:
            out.append(re.escape(tok))
    return "".join(out)


def to_number(value):
    if value is None:
        return None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def status_label(kind, status):
    """BUILTIN.DF(status): the letter's meaning for the transaction's type."""
    return STATUS_LABELS.get((kind, status), status)


def type_label(kind):
    return TYPE_LABELS.get(kind, kind)


def approval_label(value):
    try:
        return APPROVAL_LABELS.get(int(value), value)
    except (TypeError, ValueError):
        return value


def register_functions(conn: sqlite3.Connection, now_local) -> None:
    conn.create_function("ns_to_char", 1, to_char, deterministic=True)
    conn.create_function("ns_to_char", 2, to_char, deterministic=True)
    conn.create_function("ns_to_datetime", 1, to_datetime, deterministic=True)
    conn.create_function("ns_to_datetime", 2, to_datetime, deterministic=True)
    conn.create_function("ns_to_number", 1, to_number, deterministic=True)
    conn.create_function("ns_df", 1, lambda v: v, deterministic=True)
    conn.create_function("ns_df_status", 2, status_label, deterministic=True)
    conn.create_function("ns_df_type", 1, type_label, deterministic=True)
    conn.create_function("ns_df_approval", 1, approval_label, deterministic=True)
    conn.create_function("ns_now", 0, lambda: now_local().strftime("%Y-%m-%d %H:%M:%S"))


# --- value formatting -------------------------------------------------------------------------


class RawDate(str):
    """A DATE column read raw: NetSuite renders it in the user's date preference."""


class RawDateTime(str):
    """A DATETIME column read raw: rendered as 'M/D/YYYY h:mm am'."""


sqlite3.register_converter("NSDATE", lambda b: RawDate(b.decode()))
sqlite3.register_converter("NSDATETIME", lambda b: RawDateTime(b.decode()))


def format_scalar(value) -> str:
    """Every SuiteQL value is a string; numbers in their shortest decimal text."""
    if isinstance(value, RawDate):
        m = parse_stored(value)
        return f"{m.month}/{m.day}/{m.year}"
    if isinstance(value, RawDateTime):
        m = parse_stored(value)
        ampm = "am" if m.hour < 12 else "pm"
        return f"{m.month}/{m.day}/{m.year} {m.hour % 12 or 12}:{m.minute:02d} {ampm}"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def column_names(description) -> list[str]:
    """Lower-cased column names; unaliased expressions become exprN as in NetSuite."""
    names, expr = [], 0
    for col in description:
        name = col[0]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$#]*", name):
            expr += 1
            name = f"expr{expr}"
        names.append(name.lower())
    return names


def format_row(names: list[str], row: tuple) -> dict[str, object]:
    item: dict[str, object] = {"links": []}
    for name, value in zip(names, row, strict=True):
        if value is not None:  # NetSuite omits null columns from the item
            item[name] = format_scalar(value)
    return item


def items_json(names: list[str], rows: list[tuple]) -> str:
    """`json.dumps([format_row(names, row) for row in rows])`, the same text, written
    directly: a page has tens of thousands of values, most of them text, integers and
    amounts that repeat, so the dispatch is on the exact type and numbers are formatted once."""
    if "links" in names or len(set(names)) < len(names):  # a key written twice: the dict's way
        return json.dumps([format_row(names, row) for row in rows])
    keys = [f", {encode_basestring_ascii(name)}: " for name in names]
    amounts: dict[float, str] = {}
    out = ["["]
    add = out.append
    item = '{"links": []'
    for row in rows:
        add(item)
        item = '}, {"links": []'
        for key, value in zip(keys, row, strict=True):
            kind = type(value)
            if kind is str:
                add(key)
                add(encode_basestring_ascii(value))
            elif kind is int:  # format_scalar's str(value): digits, nothing to escape
                add(key)
                add(f'"{value}"')
            elif kind is float:  # format_scalar's text: digits, '.', 'e', '-', '+' or 'inf'
                text = amounts.get(value)
                if text is None:
                    number = int(value) if value.is_integer() else repr(round(value, 10))
                    text = amounts[value] = f'"{number}"'
                add(key)
                add(text)
            elif value is not None:  # NetSuite omits null columns from the item
                add(key)
                add(encode_basestring_ascii(format_scalar(value)))
    add("}]" if rows else "]")
    return "".join(out)

"""SuiteQL rows (every value a string, null columns absent) → store rows (SPEC §3, §4).

Datetimes arrive as account-local 'YYYY-MM-DD HH24:MI:SS' text (the queries select them with
TO_CHAR) and are stored as naive UTC; money becomes integer cents; 'T'/'F' become booleans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from revrec_pipeline.netsuite.literals import PY_DATETIME

UTC = ZoneInfo("UTC")


@lru_cache(maxsize=65_536)  # a document's lines share their stamps: most lines hit the cache
def to_utc(local: str, zone: ZoneInfo) -> datetime:
    """A NetSuite account-local 'YYYY-MM-DD HH24:MI:SS' as naive UTC."""
    if len(local) == 19 and local[10] == " ":  # the TO_CHAR form: ISO, parsed in C
        moment = datetime.fromisoformat(local)
        offset = _hour_offset(local[:13], zone)
        if offset is not None:
            return moment - offset
    else:
        moment = datetime.strptime(local, PY_DATETIME)
    return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


@lru_cache(maxsize=16_384)
def _hour_offset(hour: str, zone: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset all through one local hour ('YYYY-MM-DD HH'), as
    `astimezone` finds it for each moment of it (fold 0); None when it changes within the
    hour. Most stamps differ, their hours repeat: one offset serves a thousand lines."""
    start = datetime.fromisoformat(f"{hour}:00:00")
    first = start.replace(tzinfo=zone).utcoffset()
    last = start.replace(minute=59, second=59, tzinfo=zone).utcoffset()
    return first if first == last else None


def to_local(utc: datetime, zone: ZoneInfo) -> str:
    return utc.replace(tzinfo=UTC).astimezone(zone).strftime(PY_DATETIME)


def to_utc_or_none(local: str | None, zone: ZoneInfo) -> datetime | None:
    return to_utc(local, zone) if local else None


def to_cents(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    whole, _, fraction = value.partition(".")
    digits = whole[1:] if whole[:1] == "-" else whole
    if (
        value.isascii()
        and digits.isdigit()
        and len(fraction) <= 2
        and (not fraction or fraction.isdigit())
    ):
        # At most two decimals (nearly every amount): exact in integers, no rounding needed.
        cents = int(digits) * 100 + int(fraction.ljust(2, "0"))
        return -cents if whole[:1] == "-" else cents
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_int(value: str | None) -> int | None:
    return None if value in (None, "") else int(value)


def to_decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def to_date(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value[:10])


def is_true(value: str | None) -> bool:
    return value == "T"


def pulled_ids(headers: list[dict[str, Any]]) -> list[int]:
    """The ids of a header page's pulled documents (NetSuite's `ispulled`, queries.pulled_sql)."""
    return [int(row["id"]) for row in headers if is_true(row.get("ispulled"))]


# A store column from a SuiteQL column: (store name, SuiteQL name, conversion or None for the
# text as sent, how the value is found). A REQUIRED column's absence is an error; an absent
# optional one (NULL, or a feature the account lacks) is None. Column-wise, a REPEATED
# column's distinct values are each converted once (a document's lines share their dates).
REQUIRED, OPTIONAL, REPEATED = "required", "optional", "repeated"
Field = tuple[str, str, Callable[[Any], Any] | None, str]


def _cents_or_zero(value: str | None) -> int:
    return to_cents(value) or 0


@lru_cache(maxsize=16)
def header_fields(zone: ZoneInfo) -> tuple[Field, ...]:
    return (
        ("id", "id", int, REQUIRED),
        ("type", "type", None, REQUIRED),
        ("tranid", "tranid", None, OPTIONAL),
        ("trandate", "trandate", to_date, REQUIRED),
        ("entity", "entity", int, REQUIRED),
        ("status", "status", None, OPTIONAL),
        ("currency", "currency", to_int, REPEATED),  # absent without Multiple Currencies
        ("subsidiary", "subsidiary", to_int, REPEATED),  # the mainline's; absent without OneWorld
        ("exchangerate", "exchangerate", to_decimal, REPEATED),
        ("createdfrom", "createdfrom", to_int, OPTIONAL),  # from the mainline row
        ("approvalstatus", "approvalstatus", None, OPTIONAL),
        ("last_modified_at", "lastmodifieddate", partial(to_utc, zone=zone), REQUIRED),
    )


@lru_cache(maxsize=16)
def line_fields(zone: ZoneInfo) -> tuple[Field, ...]:
    """Every non-mainline, non-tax line, with what decided its billing flag."""
    return (
        ("transaction_id", "transaction", int, REQUIRED),
        ("line_id", "id", int, REQUIRED),
        ("uniquekey", "uniquekey", to_int, OPTIONAL),
        ("item", "item", to_int, REPEATED),
        ("quantity", "quantity", to_decimal, REPEATED),
        ("rate", "rate", to_decimal, REPEATED),
        ("foreign_amount_cents", "foreignamount", _cents_or_zero, OPTIONAL),
        ("net_amount_cents", "netamount", to_cents, OPTIONAL),
        ("memo", "memo", None, OPTIONAL),
        # Optional columns: absent (NULL) when the account lacks the feature.
        ("department", "department", to_int, REPEATED),
        ("class_id", "class", to_int, REPEATED),
        ("location", "location", to_int, REPEATED),
        ("revrec_start_date", "revrecstartdate", to_date, REPEATED),
        ("revrec_end_date", "revrecenddate", to_date, REPEATED),
        ("itemtype", "itemtype", None, OPTIONAL),
        ("iscogs", "iscogs", is_true, REPEATED),
        ("donotdisplayline", "donotdisplayline", is_true, REPEATED),
        # Decided by NetSuite, by the rule in queries.billing_line_sql.
        ("is_billing_line", "isbillingline", is_true, REPEATED),
        (
            "line_last_modified_at",
            "linelastmodifieddate",
            partial(to_utc_or_none, zone=zone),
            REPEATED,
        ),
    )


def to_row(row: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    out = {}
    for name, key, convert, found in fields:
        value = row[key] if found == REQUIRED else row.get(key)
        out[name] = value if convert is None else convert(value)
    return out


def to_columns(page: list[dict[str, Any]], fields: tuple[Field, ...]) -> dict[str, list[Any]]:
    """`to_row` of every row of a page, as one list per store column (what `write_columns`
    takes): a page is a few lists, not a thousand dicts, and a column is converted in one
    loop rather than a call per value."""
    if not page:
        return {name: [] for name, *_ in fields}
    # Each row's values in one C call: the optional columns' None under the row's own keys,
    # then one itemgetter (a missing required column still raises KeyError).
    absent = {key: None for _, key, _, found in fields if found != REQUIRED}
    pick = itemgetter(*(key for _, key, _, _ in fields))
    if len(fields) == 1:
        values = [[pick({**absent, **row}) for row in page]]
    else:
        values = [
            list(column) for column in zip(*(pick({**absent, **row}) for row in page), strict=True)
        ]
    columns: dict[str, list[Any]] = {}
    for (name, _, convert, found), raw in zip(fields, values, strict=True):
        if convert is None:
            columns[name] = raw
        elif found == REPEATED:
            done: dict[Any, Any] = {}
            columns[name] = [
                done[value] if value in done else done.setdefault(value, convert(value))
                for value in raw
            ]
        else:
            columns[name] = list(map(convert, raw))
    return columns


def customer_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "entityid": row.get("entityid"),
        "companyname": row.get("companyname"),
        "altname": row.get("altname"),
        "isperson": is_true(row.get("isperson")),
        "firstname": row.get("firstname"),
        "lastname": row.get("lastname"),
        "externalid": row.get("externalid"),
        "subsidiary": to_int(row.get("subsidiary")),  # primary subsidiary; OneWorld only
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }


def item_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "itemid": row.get("itemid"),
        "displayname": row.get("displayname"),
        "itemtype": row.get("itemtype"),
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }


def subsidiary_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "name": row.get("name"),
        "currency": to_int(row.get("currency")),
        "parent": to_int(row.get("parent")),
        "is_elimination": is_true(row.get("iselimination")),
        "is_inactive": is_true(row.get("isinactive")),
    }

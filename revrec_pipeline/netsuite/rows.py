"""SuiteQL rows (every value a string, null columns absent) → store rows (SPEC §3, §4).

Datetimes arrive as account-local 'YYYY-MM-DD HH24:MI:SS' text (the queries select them with
TO_CHAR) and are stored as naive UTC; money becomes integer cents; 'T'/'F' become booleans.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from revrec_pipeline.netsuite.literals import PY_DATETIME

UTC = ZoneInfo("UTC")


@lru_cache(maxsize=65_536)  # a document's lines share their stamps: most lines hit the cache
def to_utc(local: str, zone: ZoneInfo) -> datetime:
    """A NetSuite account-local 'YYYY-MM-DD HH24:MI:SS' as naive UTC."""
    if len(local) == 19 and local[10] == " ":  # the TO_CHAR form: ISO, parsed in C
        moment = datetime.fromisoformat(local)
    else:
        moment = datetime.strptime(local, PY_DATETIME)
    return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


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


def header_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "type": row["type"],
        "tranid": row.get("tranid"),
        "trandate": to_date(row["trandate"]),
        "entity": int(row["entity"]),
        "status": row.get("status"),
        "currency": to_int(row.get("currency")),  # absent without Multiple Currencies
        "subsidiary": to_int(row.get("subsidiary")),  # the mainline's; absent without OneWorld
        "exchangerate": to_decimal(row.get("exchangerate")),
        "createdfrom": to_int(row.get("createdfrom")),  # from the mainline row
        "approvalstatus": row.get("approvalstatus"),
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }


def line_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """One stored line: every non-mainline, non-tax line, with what decided its billing flag."""
    return {
        "transaction_id": int(row["transaction"]),
        "line_id": int(row["id"]),
        "uniquekey": to_int(row.get("uniquekey")),
        "item": to_int(row.get("item")),
        "quantity": to_decimal(row.get("quantity")),
        "rate": to_decimal(row.get("rate")),
        "foreign_amount_cents": to_cents(row.get("foreignamount")) or 0,
        "net_amount_cents": to_cents(row.get("netamount")),
        "memo": row.get("memo"),
        # Optional columns: absent (NULL) when the account lacks the feature.
        "department": to_int(row.get("department")),
        "class_id": to_int(row.get("class")),
        "location": to_int(row.get("location")),
        "revrec_start_date": to_date(row.get("revrecstartdate")),
        "revrec_end_date": to_date(row.get("revrecenddate")),
        "itemtype": row.get("itemtype"),
        "iscogs": is_true(row.get("iscogs")),
        "donotdisplayline": is_true(row.get("donotdisplayline")),
        # Decided by NetSuite, by the rule in queries.billing_line_sql.
        "is_billing_line": is_true(row.get("isbillingline")),
        "line_last_modified_at": to_utc_or_none(row.get("linelastmodifieddate"), zone),
    }


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

"""DeletedRecord rows, in whichever still-unknown form the sandbox is switched to.

Confirmed (reference §9): the columns, and that `recordtypeid` holds the record type id. Unknown:
what `type` holds (record type id, transaction code or label) and the zone of `deleteddate`
(`deleteddateusertz` is the user's, here the account's, zone). The stored canonical facts are
`recordtypeid` and `deleteddateusertz`; `type` and `deleteddate` are derived from them here, for
every row at once when a switch changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .labels import RECORD_TYPES


def type_value(recordtypeid: str | None, form: str) -> str | None:
    """What DeletedRecord.type holds for a record type in the given form."""
    if recordtypeid not in RECORD_TYPES or form == "id":
        return recordtypeid
    code, label = RECORD_TYPES[recordtypeid]
    return code if form == "code" else label


def deleted_date(local_text: str | None, zone: str, timezone: str) -> str | None:
    """DeletedRecord.deleteddate from the account-local time: as is, or in UTC."""
    if local_text is None or zone == "account":
        return local_text
    local = datetime.fromisoformat(str(local_text)).replace(tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def deleted_row(
    recordid: int,
    recordtypeid: str,
    name: str | None,
    deleted_at: str,
    externalid: str | None = None,
    *,
    form: str = "id",
    zone: str = "account",
    timezone: str = "UTC",
) -> dict:
    """One DeletedRecord row; `deleted_at` is account-local 'YYYY-MM-DD HH:MM:SS'."""
    return {
        "recordid": recordid,
        "type": type_value(recordtypeid, form),
        "recordtypeid": recordtypeid,
        "name": name,
        "externalid": externalid,
        "deleteddate": deleted_date(deleted_at, zone, timezone),
        "deleteddateusertz": deleted_at,
        "context": "UI",
        "deletedby": -5,
        "iscustomrecord": "F",
        "iscustomlist": "F",
        "iscustomtransaction": "F",
        "scriptid": None,
    }


# Rewrites the derived columns of every row (the functions are registered for this statement).
REDERIVE_SQL = (
    "UPDATE deletedrecord SET type = ns_deleted_type(recordtypeid, type, ?), "
    "deleteddate = ns_deleted_date(deleteddateusertz, deleteddate, ?, ?)"
)


def rederive(conn, form: str, zone: str, timezone: str) -> None:
    """Put every row in the given forms (rows without the canonical facts keep theirs)."""
    conn.create_function(
        "ns_deleted_type",
        3,
        lambda rtid, current, f: type_value(rtid, f) if rtid else current,
    )
    conn.create_function(
        "ns_deleted_date",
        4,
        lambda local, current, z, tz: deleted_date(local, z, tz) if local else current,
    )
    conn.execute(REDERIVE_SQL, (form, zone, timezone))

"""Journal entries over the REST record API: NetSuite's validations and faithful storage.

Journals live in the same `transaction` / `transactionline` tables as invoices (type
'Journal') so SuiteQL sees them exactly as it would in NetSuite.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

MAX_LINES = 1_000
CENT = Decimal("0.01")
SEGMENT_TABLES = {"department": "department", "class": "classification", "location": "location"}


class JournalError(Exception):
    """A rejected journal request, rendered as a NetSuite error envelope."""

    def __init__(self, status: int, code: str, detail: str, path: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.path = status, code, detail, path


def user_error(detail: str) -> JournalError:
    return JournalError(400, "USER_ERROR", detail)


def invalid_value(value, field_name: str, path: str) -> JournalError:
    detail = (
        f"You have entered an Invalid Field Value {value} for the following field: {field_name}"
    )
    return JournalError(400, "INVALID_CONTENT", detail, path)


@dataclass
class Line:
    account: int
    debit: Decimal | None
    credit: Decimal | None
    memo: str | None = None
    segments: dict[str, int | None] = field(default_factory=dict)  # department/class/location
    custom: dict[str, str] = field(default_factory=dict)  # cseg_* → id

    @property
    def signed(self) -> Decimal:
        return (self.debit or Decimal(0)) - (self.credit or Decimal(0))


@dataclass
class Header:
    trandate: date
    period_id: int
    subsidiary: int
    currency: int
    memo: str | None


class References:
    """Internal ids that exist in the account (read once per request)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        ids = lambda sql: {r[0] for r in conn.execute(sql)}  # noqa: E731
        self.subsidiary = ids("SELECT id FROM subsidiary WHERE isinactive = 'F'")
        self.currency = ids("SELECT id FROM currency WHERE isinactive = 'F'")
        self.account = ids("SELECT id FROM account WHERE isinactive = 'F'")
        self.segments = {
            k: ids(f"SELECT id FROM {t} WHERE isinactive = 'F'") for k, t in SEGMENT_TABLES.items()
        }
        self.periods = {
            r[0]: r
            for r in conn.execute(
                "SELECT id, periodname, substr(startdate, 1, 10), substr(enddate, 1, 10), closed,"
                " alllocked FROM accountingperiod WHERE isquarter = 'F' AND isyear = 'F'"
            )
        }


def ref_id(value, field_name: str, path: str, known: set[int]) -> int:
    """`{"id": "58"}` → 58, checked against the ids that exist."""
    raw = value.get("id") if isinstance(value, dict) else value
    try:
        ident = int(str(raw))
    except ValueError:
        raise invalid_value(raw, field_name, path) from None
    if ident not in known:
        raise invalid_value(raw, field_name, path)
    return ident


def amount(value, path: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid_value(value, path.rsplit(".", 1)[-1], path) from None
    if not number.is_finite():
        raise invalid_value(value, path.rsplit(".", 1)[-1], path)
    if number < 0:
        raise user_error(
            "Journal entry line amounts cannot be negative. "
            "Enter the amount as a debit or a credit."
        )
    return number.quantize(CENT)


def parse_header(body: dict, existing: Header | None, refs: References, today: date) -> Header:
    """Body fields over the existing record's (an update keeps what it does not send)."""
    if "subsidiary" in body:
        subsidiary = ref_id(body["subsidiary"], "subsidiary", "subsidiary", refs.subsidiary)
    elif existing:
        subsidiary = existing.subsidiary
    else:
        raise user_error("Please enter a value for subsidiary.")
    currency = existing.currency if existing else 1
    if "currency" in body:
        currency = ref_id(body["currency"], "currency", "currency", refs.currency)
    trandate = existing.trandate if existing else today
    if "tranDate" in body:
        try:
            trandate = date.fromisoformat(str(body["tranDate"]))
        except ValueError:
            raise invalid_value(body["tranDate"], "tranDate", "tranDate") from None
    period_id = _period_for(trandate, refs)
    if "postingPeriod" in body:
        period_id = ref_id(
            body["postingPeriod"], "postingPeriod", "postingPeriod", set(refs.periods)
        )
    elif existing and "tranDate" not in body:
        period_id = existing.period_id
    memo = body.get("memo", existing.memo if existing else None)
    header = Header(trandate, period_id, subsidiary, currency, memo)
    _check_period_open(header, refs)
    return header


def _period_for(day: date, refs: References) -> int:
    text = day.isoformat()
    for pid, (_, _, start, end, _, _) in refs.periods.items():
        if start <= text <= end:
            return pid
    raise user_error(f"No accounting period is set up for the transaction date {text}.")


def _check_period_open(header: Header, refs: References) -> None:
    _, name, _, _, closed, locked = refs.periods[header.period_id]
    if closed == "T" or locked == "T":
        raise user_error(
            f"The accounting period {name} is closed or locked. You cannot post a transaction "
            "to a closed or locked period."
        )


def parse_lines(body: dict, refs: References) -> list[Line]:
    items = (body.get("line") or {}).get("items") if isinstance(body.get("line"), dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise invalid_value("line", "line", "line.items")
    return [parse_line(raw, f"line.items[{i}]", refs) for i, raw in enumerate(items)]


def parse_line(raw: dict, path: str, refs: References) -> Line:
    if not isinstance(raw, dict):
        raise invalid_value(raw, "line", path)
    if raw.get("account") in (None, {}, ""):
        raise JournalError(
            400, "USER_ERROR", "Please enter a value for account.", f"{path}.account"
        )
    account = ref_id(raw["account"], "account", f"{path}.account", refs.account)
    debit = amount(raw["debit"], f"{path}.debit") if raw.get("debit") is not None else None
    credit = amount(raw["credit"], f"{path}.credit") if raw.get("credit") is not None else None
    if (debit is None) == (credit is None):
        raise user_error(
            "Each journal entry line must have either a debit or a credit amount, not both."
        )
    segments = {
        name: ref_id(raw[name], name, f"{path}.{name}", refs.segments[name])
        for name in SEGMENT_TABLES
        if raw.get(name) not in (None, {})
    }
    custom = {
        k: str(v.get("id") if isinstance(v, dict) else v)
        for k, v in raw.items()
        if k.startswith("cseg_") and v not in (None, {})
    }
    return Line(account, debit, credit, raw.get("memo"), segments, custom)


def check_lines(lines: list[Line]) -> None:
    """Whole-record checks, on the lines the record will hold after the request."""
    if len(lines) < 2:
        raise user_error("A journal entry must have at least two lines.")
    if len(lines) > MAX_LINES:
        raise user_error(f"A journal entry cannot have more than {MAX_LINES:,} lines.")
    debits = sum((ln.debit or Decimal(0) for ln in lines), Decimal(0))
    credits = sum((ln.credit or Decimal(0) for ln in lines), Decimal(0))
    if debits != credits:
        raise user_error("The amounts in a journal entry must balance.")


# --- storage ------------------------------------------------------------------------------


def find(conn: sqlite3.Connection, *, internal_id: int | None = None, external_id=None):
    """(id, Header) of a journal, or None."""
    column, value = ("id", internal_id) if internal_id is not None else ("externalid", external_id)
    row = conn.execute(
        f"SELECT id, substr(trandate, 1, 10), postingperiod, subsidiary, currency, memo "
        f"FROM \"transaction\" WHERE type = 'Journal' AND {column} = ?",
        (value,),
    ).fetchone()
    if row is None:
        return None
    header = Header(date.fromisoformat(row[1]), row[2], row[3], row[4], row[5])
    return row[0], header


def stored_lines(conn: sqlite3.Connection, tran_id: int) -> list[Line]:
    rows = conn.execute(
        "SELECT account, debit, credit, memo, department, class, location, customsegments "
        'FROM transactionline WHERE "transaction" = ? ORDER BY id',
        (tran_id,),
    ).fetchall()
    return [
        Line(
            r[0],
            _dec(r[1]),
            _dec(r[2]),
            r[3],
            {k: v for k, v in zip(SEGMENT_TABLES, r[4:7], strict=True) if v is not None},
            json.loads(r[7] or "{}"),
        )
        for r in rows
    ]


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def create(conn, header: Header, lines: list[Line], external_id, now: str) -> int:
    new_id = conn.execute(
        'SELECT MAX(m) + 1 FROM (SELECT MAX(id) AS m FROM "transaction" '
        "UNION ALL SELECT MAX(recordid) FROM deletedrecord WHERE type <> 'customer' "
        "UNION ALL SELECT 1000)"
    ).fetchone()[0]
    number = conn.execute(
        "SELECT COUNT(*) + 1 FROM \"transaction\" WHERE type = 'Journal'"
    ).fetchone()[0]
    total = float(sum((ln.debit or 0 for ln in lines), Decimal(0)))
    conn.execute(
        'INSERT INTO "transaction" (id, tranid, transactionnumber, type, recordtype, trandate, '
        "status, currency, exchangerate, foreigntotal, posting, voided, approvalstatus, "
        "postingperiod, subsidiary, memo, externalid, createddate, lastmodifieddate) VALUES "
        "(?, ?, ?, 'Journal', 'journalentry', ?, 'B', ?, 1.0, ?, 'T', 'F', 2, ?, ?, ?, ?, ?, ?)",
        (
            new_id,
            f"JE{number}",
            f"JE{number}",
            f"{header.trandate} 00:00:00",
            header.currency,
            total,
            header.period_id,
            header.subsidiary,
            header.memo,
            external_id,
            now,
            now,
        ),
    )
    insert_lines(conn, new_id, header, lines, 0, now)
    return new_id


def update(conn, tran_id: int, header: Header, lines: list[Line], now: str) -> None:
    """Overwrite the header; `lines` is the full resulting sublist (replaced or appended)."""
    total = float(sum((ln.debit or 0 for ln in lines), Decimal(0)))
    conn.execute(
        'UPDATE "transaction" SET trandate = ?, postingperiod = ?, subsidiary = ?, currency = ?, '
        "memo = ?, foreigntotal = ?, lastmodifieddate = ? WHERE id = ?",
        (
            f"{header.trandate} 00:00:00",
            header.period_id,
            header.subsidiary,
            header.currency,
            header.memo,
            total,
            now,
            tran_id,
        ),
    )
    conn.execute('DELETE FROM transactionline WHERE "transaction" = ?', (tran_id,))
    insert_lines(conn, tran_id, header, lines, 0, now)


def insert_lines(conn, tran_id: int, header: Header, lines: list[Line], first: int, now: str):
    rows = [
        (
            tran_id,
            first + n,
            first + n,
            ln.account,
            _float(ln.debit),
            _float(ln.credit),
            float(ln.signed),
            float(ln.signed),
            ln.memo,
            header.subsidiary,
            ln.segments.get("department"),
            ln.segments.get("class"),
            ln.segments.get("location"),
            json.dumps(ln.custom, sort_keys=True) if ln.custom else None,
            now,
        )
        for n, ln in enumerate(lines)
    ]
    conn.executemany(
        'INSERT INTO transactionline ("transaction", id, linesequencenumber, mainline, taxline, '
        "account, debit, credit, foreignamount, netamount, memo, subsidiary, department, class, "
        "location, customsegments, linelastmodifieddate) "
        "VALUES (?, ?, ?, 'F', 'F', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def to_json(conn: sqlite3.Connection, tran_id: int, self_href: str, tz: ZoneInfo) -> dict | None:
    """The record as GET returns it (references as {"id", "refName"})."""
    row = conn.execute(
        "SELECT t.id, t.externalid, t.tranid, substr(t.trandate, 1, 10), t.postingperiod, "
        "p.periodname, t.subsidiary, s.name, t.currency, c.symbol, t.memo, t.lastmodifieddate, "
        't.createddate FROM "transaction" t LEFT JOIN accountingperiod p ON p.id = t.postingperiod '
        "LEFT JOIN subsidiary s ON s.id = t.subsidiary LEFT JOIN currency c ON c.id = t.currency "
        "WHERE t.type = 'Journal' AND t.id = ?",
        (tran_id,),
    ).fetchone()
    if row is None:
        return None
    record = {
        "links": [{"rel": "self", "href": self_href}],
        "id": str(row[0]),
        "externalId": row[1],
        "tranId": row[2],
        "tranDate": row[3],
        "postingPeriod": {"id": str(row[4]), "refName": row[5]},
        "subsidiary": {"id": str(row[6]), "refName": row[7]},
        "currency": {"id": str(row[8]), "refName": row[9]},
        "memo": row[10],
        "createdDate": _utc(row[12], tz),
        "lastModifiedDate": _utc(row[11], tz),
        "line": {"items": [_line_json(n, ln) for n, ln in enumerate(stored_lines(conn, tran_id))]},
    }
    record["line"]["totalResults"] = len(record["line"]["items"])
    return {k: v for k, v in record.items() if v is not None}


def _utc(local_text, tz: ZoneInfo) -> str:
    """The record API shows datetimes in ISO 8601 UTC, unlike SuiteQL's account-local text."""
    local = datetime.fromisoformat(str(local_text)).replace(tzinfo=tz)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line_json(n: int, ln: Line) -> dict:
    out: dict = {"line": n, "account": {"id": str(ln.account)}}
    if ln.debit is not None:
        out["debit"] = float(ln.debit)
    if ln.credit is not None:
        out["credit"] = float(ln.credit)
    if ln.memo is not None:
        out["memo"] = ln.memo
    out.update({k: {"id": str(v)} for k, v in ln.segments.items()})
    out.update({k: {"id": v} for k, v in ln.custom.items()})
    return out

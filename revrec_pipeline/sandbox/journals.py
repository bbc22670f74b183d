"""Journal entries over the REST record API: NetSuite's validations and faithful storage.

Journals live in the same `transaction` / `transactionline` tables as invoices (type
'Journal') so SuiteQL sees them exactly as it would in NetSuite.

Field names are screened as NetSuite does (`X-NetSuite-PropertyNameValidation`, reference §9):
by default (`warning`) a field the record does not have is silently dropped; with `error` it is
refused. A field whose feature is off in the account (Departments, Classes, Locations, OneWorld,
Multiple Currencies) is such a field. NetSuite's exact wording for that refusal is not public;
the envelope shape (400, `o:errorPath` naming the field) is.

With several subsidiaries (subsidiaries.py) an entry is also refused for an account the
subsidiary may not use ("Invalid account reference key 59 for subsidiary 1.") or a currency it
may not use ("Invalid currency reference key 2 for subsidiary 2."): NetSuite's wording
(reference §5.3; NSDOC section_4103386138; the same sentences as fylein/netsuite-sdk-py matches in
NetSuite's answers), with the code NetSuite gives these reference-key errors, INVALID_KEY_OR_REF
(NSDOC section_163852446308, "INVALID_KEY_OR_REF - Invalid Account Reference Key Error"). An
elimination subsidiary is not a value of the entry's subsidiary field: refused like any other
value the field does not offer (the wording for this case was not found; chosen to match the
invalid-value refusal NetSuite documents, NSDOC section_156570709583).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .deleted import type_value

MAX_LINES = 1_000
CENT = Decimal("0.01")
SEGMENT_TABLES = {"department": "department", "class": "classification", "location": "location"}
# Fields the sandbox's journal entry has, and the account feature (SandboxConfig switch) that
# each feature field needs. Custom segments (`cseg_*`) exist on every line.
BODY_FIELDS = frozenset(
    {"externalId", "tranId", "tranDate", "postingPeriod", "memo", "approved", "line"}
)
BODY_FEATURE_FIELDS = {
    "subsidiary": "oneworld",
    "currency": "multi_currency",
    "exchangeRate": "multi_currency",
}
LINE_FIELDS = frozenset({"account", "debit", "credit", "memo"})
LINE_FEATURE_FIELDS = {"department": "departments", "class": "classes", "location": "locations"}
VALIDATION_MODES = ("ignore", "warning", "error")
APPROVAL_STATUS = {1: "Pending Approval", 2: "Approved", 3: "Rejected"}
# How GET shows approval (the REST shape is unconfirmed, reference §5.4): both fields, only
# `approvalStatus`, only the `approved` checkbox, or neither (then only SuiteQL tells).
APPROVAL_FORMS = ("both", "status", "approved", "none")


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
    approvalstatus: int = 2  # APPROVAL_STATUS
    exchangerate: float = 1.0  # entry currency → the subsidiary's base (several subsidiaries)

    @property
    def posting(self) -> bool:
        return self.approvalstatus == 2


def screen_fields(body: dict, features, mode: str) -> dict:
    """The body as NetSuite keeps it: fields the record lacks (in this account: `features`
    has the SandboxConfig switches) dropped, or with mode `error` the first one refused."""
    strict = (mode or "warning").strip().lower() == "error"

    def known(name: str, fields: frozenset, feature_fields: dict) -> bool:
        if name in fields:
            return True
        if name in feature_fields:
            return bool(getattr(features, feature_fields[name]))
        return False

    def keep(name: str, path: str, fields: frozenset, feature_fields: dict) -> bool:
        if known(name, fields, feature_fields):
            return True
        if strict:
            raise unknown_field(name, path)
        return False

    screened = {k: v for k, v in body.items() if keep(k, k, BODY_FIELDS, BODY_FEATURE_FIELDS)}
    line = screened.get("line")
    if isinstance(line, dict) and isinstance(line.get("items"), list):
        items = []
        for i, raw in enumerate(line["items"]):
            if not isinstance(raw, dict):
                items.append(raw)
                continue
            items.append(
                {
                    k: v
                    for k, v in raw.items()
                    if k.startswith("cseg_")
                    or keep(k, f"line.items[{i}].{k}", LINE_FIELDS, LINE_FEATURE_FIELDS)
                }
            )
        screened["line"] = {**line, "items": items}
    return screened


def unknown_field(name: str, path: str) -> JournalError:
    return JournalError(
        400,
        "INVALID_CONTENT",
        f"Error while accessing a resource. The field {name} does not exist on this record "
        "(or its feature is not enabled in the account).",
        path,
    )


class References:
    """Internal ids that exist in the account (read once per request); with `subsidiaries`
    also each subsidiary's base currency, parent and elimination flag, the accounts each may
    use (AccountSubsidiaryMap) and the currencies' rates to the parent's base currency."""

    def __init__(self, conn: sqlite3.Connection, subsidiaries: bool = False) -> None:
        ids = lambda sql: {r[0] for r in conn.execute(sql)}  # noqa: E731
        self.subsidiary = ids("SELECT id FROM subsidiary WHERE isinactive = 'F'")
        self.subsidiaries: dict[int, tuple[int, int | None, bool]] = {}
        self.account_map: set[tuple[int, int]] = set()
        self.rates: dict[int, float] = {}
        if subsidiaries:
            self.subsidiaries = {
                r[0]: (r[1], r[2], r[3] == "T")
                for r in conn.execute(
                    "SELECT id, currency, parent, iselimination FROM subsidiary "
                    "WHERE isinactive = 'F'"
                )
            }
            self.account_map = {
                (r[0], r[1])
                for r in conn.execute("SELECT account, subsidiary FROM accountsubsidiarymap")
            }
            self.rates = dict(conn.execute("SELECT id, exchangerate FROM currency").fetchall())
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


def parse_header(
    body: dict,
    existing: Header | None,
    refs: References,
    today: date,
    *,
    oneworld: bool = True,
    needs_approval: bool = False,
    several: bool = False,
    any_currency: bool = False,
) -> Header:
    """Body fields over the existing record's (an update keeps what it does not send).

    Without OneWorld the account has one subsidiary and no subsidiary field; without Multiple
    Currencies every entry is in the base currency. With journal approval required an entry
    written over REST waits for approval unless the body says `approved: true`. With several
    subsidiaries the subsidiary may not be an elimination one, the currency must be one the
    subsidiary may use, and the entry keeps its rate to the subsidiary's base currency."""
    if "subsidiary" in body:
        subsidiary = ref_id(body["subsidiary"], "subsidiary", "subsidiary", refs.subsidiary)
    elif existing:
        subsidiary = existing.subsidiary
    elif not oneworld:
        subsidiary = min(refs.subsidiary)
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
    approved = not needs_approval or body.get("approved") is True
    header = Header(trandate, period_id, subsidiary, currency, memo, 2 if approved else 1)
    if several:
        header.exchangerate = _check_subsidiary(body, header, refs, any_currency)
    _check_period_open(header, refs)
    return header


def _check_subsidiary(
    body: dict, header: Header, refs: References, any_currency: bool = False
) -> float:
    """Refuse an elimination subsidiary or a currency the subsidiary may not use (unless
    `any_currency`); the entry's exchange rate to the subsidiary's base currency (sent, or
    from the currencies' rates)."""
    base, parent, elimination = refs.subsidiaries[header.subsidiary]
    if elimination:
        raise invalid_value(header.subsidiary, "subsidiary", "subsidiary")
    allowed = {base}
    if parent in refs.subsidiaries:
        allowed.add(refs.subsidiaries[parent][0])  # the group's currency (subsidiaries.py)
    if header.currency not in allowed and not any_currency:
        raise JournalError(
            400,
            "INVALID_KEY_OR_REF",
            f"Invalid currency reference key {header.currency} for subsidiary {header.subsidiary}.",
            "currency",
        )
    if header.currency == base:
        return 1.0
    if body.get("exchangeRate") is not None:
        try:
            rate = float(body["exchangeRate"])
        except (TypeError, ValueError):
            raise invalid_value(body["exchangeRate"], "exchangeRate", "exchangeRate") from None
        if rate > 0:
            return rate
        raise invalid_value(body["exchangeRate"], "exchangeRate", "exchangeRate")
    return round(refs.rates[header.currency] / refs.rates[base], 6)


def check_subsidiary_accounts(header: Header, lines: list[Line], refs: References) -> None:
    """Every line's account must be available to the entry's subsidiary (several
    subsidiaries: AccountSubsidiaryMap)."""
    for i, line in enumerate(lines):
        if (line.account, header.subsidiary) not in refs.account_map:
            raise JournalError(
                400,
                "INVALID_KEY_OR_REF",
                f"Invalid account reference key {line.account} for subsidiary {header.subsidiary}.",
                f"line.items[{i}].account",
            )


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
        f"SELECT id, substr(trandate, 1, 10), postingperiod, subsidiary, currency, memo, "
        f"approvalstatus FROM \"transaction\" WHERE type = 'Journal' AND {column} = ?",
        (value,),
    ).fetchone()
    if row is None:
        return None
    header = Header(date.fromisoformat(row[1]), row[2], row[3], row[4], row[5], row[6] or 2)
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


def _status(header: Header) -> tuple[str, str, int]:
    """(status letter, posting, approvalstatus): Journal:A Pending Approval, Journal:B
    Approved for Posting; only an approved entry posts."""
    return ("B", "T", 2) if header.posting else ("A", "F", header.approvalstatus)


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
        "(?, ?, ?, 'Journal', 'journalentry', ?, ?, ?, ?, ?, ?, 'F', ?, ?, ?, ?, ?, ?, ?)",
        (
            new_id,
            f"JE{number}",
            f"JE{number}",
            f"{header.trandate} 00:00:00",
            _status(header)[0],
            header.currency,
            header.exchangerate,
            total,
            *_status(header)[1:],
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
    status, posting, approval = _status(header)
    conn.execute(
        'UPDATE "transaction" SET trandate = ?, postingperiod = ?, subsidiary = ?, currency = ?, '
        "exchangerate = ?, memo = ?, foreigntotal = ?, status = ?, posting = ?, "
        "approvalstatus = ?, lastmodifieddate = ? WHERE id = ?",
        (
            f"{header.trandate} 00:00:00",
            header.period_id,
            header.subsidiary,
            header.currency,
            header.exchangerate,
            header.memo,
            total,
            status,
            posting,
            approval,
            now,
            tran_id,
        ),
    )
    conn.execute('DELETE FROM transactionline WHERE "transaction" = ?', (tran_id,))
    insert_lines(conn, tran_id, header, lines, 0, now)


def delete(conn, tran_id: int, type_form: str, deleted_at: str, deleted_at_user: str) -> None:
    """Remove the entry (a transaction: header and lines) and log it in DeletedRecord, its
    `type` in the sandbox's form and `recordtypeid` the record type."""
    tranid = conn.execute('SELECT tranid FROM "transaction" WHERE id = ?', (tran_id,)).fetchone()
    conn.execute('DELETE FROM transactionline WHERE "transaction" = ?', (tran_id,))
    conn.execute('DELETE FROM "transaction" WHERE id = ?', (tran_id,))
    conn.execute(
        "INSERT INTO deletedrecord (recordid, type, recordtypeid, name, deleteddate, "
        "deleteddateusertz, context, deletedby, iscustomrecord, iscustomlist, "
        "iscustomtransaction) VALUES (?, ?, 'journalentry', ?, ?, ?, 'webservices', -5, 'F', "
        "'F', 'F')",
        (
            tran_id,
            type_value("journalentry", type_form),
            f"Journal #{tranid[0]}",
            deleted_at,
            deleted_at_user,
        ),
    )


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


# --- the record as GET returns it --------------------------------------------------------


class View:
    """How GET renders a record in this account: the API base for links, the account's time
    zone, its features (SandboxConfig) and the form in which approval shows."""

    def __init__(self, base: str, tz: ZoneInfo, features, approval_form: str = "both") -> None:
        self.base = f"{base}/services/rest/record/v1"
        self.tz, self.features, self.approval_form = tz, features, approval_form

    def ref(self, record_type: str, ident, name=None) -> dict:
        """A reference as NetSuite shows it: {"links": [self], "id", "refName"}."""
        out: dict = {
            "links": [{"rel": "self", "href": f"{self.base}/{record_type}/{ident}"}],
            "id": str(ident),
        }
        if name is not None:
            out["refName"] = name
        return out


def to_json(conn: sqlite3.Connection, tran_id: int, view: View, expand: bool) -> dict | None:
    """The record as GET returns it. Without `expandSubResources` NetSuite shows the `line`
    sublist as a link only; with it, the lines, references as {"links", "id", "refName"}."""
    row = conn.execute(
        "SELECT t.id, t.externalid, t.tranid, substr(t.trandate, 1, 10), t.postingperiod, "
        "p.periodname, t.subsidiary, s.name, t.currency, c.symbol, t.memo, t.lastmodifieddate, "
        't.createddate, t.approvalstatus, t.exchangerate FROM "transaction" t '
        "LEFT JOIN accountingperiod p ON p.id = t.postingperiod "
        "LEFT JOIN subsidiary s ON s.id = t.subsidiary LEFT JOIN currency c ON c.id = t.currency "
        "WHERE t.type = 'Journal' AND t.id = ?",
        (tran_id,),
    ).fetchone()
    if row is None:
        return None
    href = f"{view.base}/journalEntry/{row[0]}"
    record = {
        "links": [{"rel": "self", "href": href}],
        "id": str(row[0]),
        "externalId": row[1],
        "tranId": row[2],
        "tranDate": row[3],
        "postingPeriod": view.ref("accountingPeriod", row[4], row[5]),
        "memo": row[10],
        "createdDate": _utc(row[12], view.tz),
        "lastModifiedDate": _utc(row[11], view.tz),
    }
    if view.features.oneworld:
        record["subsidiary"] = view.ref("subsidiary", row[6], row[7])
    if view.features.multi_currency:
        record["currency"] = view.ref("currency", row[8], row[9])
        record["exchangeRate"] = row[14]
    status = row[13] or 2
    if view.approval_form in ("both", "status"):
        record["approvalStatus"] = {"id": str(status), "refName": APPROVAL_STATUS[status]}
    if view.approval_form in ("both", "approved"):
        record["approved"] = status == 2
    record["line"] = lines_json(conn, row[0], view) if expand else _sublist_link(href)
    return {k: v for k, v in record.items() if v is not None}


def _sublist_link(record_href: str) -> dict:
    return {"links": [{"rel": "self", "href": f"{record_href}/line"}]}


def lines_json(conn: sqlite3.Connection, tran_id: int, view: View) -> dict:
    """The `line` sublist, expanded (also what GET …/journalEntry/{id}/line returns)."""
    names = {
        table: dict(conn.execute(f"SELECT id, {column} FROM {table}").fetchall())
        for table, column in (
            ("account", "accountsearchdisplayname"),
            ("department", "name"),
            ("classification", "name"),
            ("location", "name"),
        )
    }
    items = [_line_json(n, ln, view, names) for n, ln in enumerate(stored_lines(conn, tran_id))]
    return {
        **_sublist_link(f"{view.base}/journalEntry/{tran_id}"),
        "items": items,
        "totalResults": len(items),
    }


def _utc(local_text, tz: ZoneInfo) -> str:
    """The record API shows datetimes in ISO 8601 UTC, unlike SuiteQL's account-local text."""
    local = datetime.fromisoformat(str(local_text)).replace(tzinfo=tz)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line_json(n: int, ln: Line, view: View, names: dict) -> dict:
    out: dict = {
        "line": n,
        "account": view.ref("account", ln.account, names["account"].get(ln.account)),
    }
    if ln.debit is not None:
        out["debit"] = float(ln.debit)
    if ln.credit is not None:
        out["credit"] = float(ln.credit)
    if ln.memo is not None:
        out["memo"] = ln.memo
    for name, value in ln.segments.items():
        table = SEGMENT_TABLES[name]
        out[name] = view.ref(table, value, names[table].get(value))
    for name, value in ln.custom.items():
        # Custom segment values are custom records; the sandbox keeps no names for them.
        out[name] = view.ref(f"customrecord_{name}", value, value)
    return out

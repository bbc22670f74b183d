"""Every SuiteQL statement the sync sends, built from the account's profile (SPEC §3, §4).

The rules that decide what is pulled are written here once, as SuiteQL, so that NetSuite
applies them and the store keeps their verdict next to the columns that decided it:

- billing lines: `billing_line_sql` (SPEC §4), answered per line as `isbillingline`;
- pulled documents: `pulled_sql` (voided, non-posting, unapproved, draft/rejected are not
  pulled), answered per header as `ispulled`;
- deletions: `DeletedRecord` matched on `type` or `recordtypeid` in every known form
  (`profile.DELETED_RECORD_FORMS`), case-insensitively.

Only constructs real NetSuite is known to accept: `COUNT(id)`, never `COUNT(*)`; datetimes inside
`TO_TIMESTAMP` are literals formatted and validated by `literals.timestamp_sql`; bound `?` only
in plain comparisons (id ranges and keyset); `IN` lists of at most 1,000 ids, inlined as ints.
A column whose feature is off (`profile.FEATURE_COLUMNS`) is never named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from revrec_pipeline.netsuite.errors import NetSuiteError, NetSuiteQueryError
from revrec_pipeline.netsuite.literals import NS_DATE, NS_DATETIME, timestamp_sql
from revrec_pipeline.netsuite.profile import (
    APPROVAL_APPROVED,
    DELETED_RECORD_FORMS,
    FEATURE_COLUMNS,
    FEATURE_LABELS,
    AccountProfile,
)

INVOICE, CREDIT_MEMO = "CustInvc", "CustCred"
STREAMS = {INVOICE: "invoices", CREDIT_MEMO: "credit memos"}
NOT_PULLED_INVOICE_STATUSES = ("D", "E")  # pending approval, rejected
# Lines that only structure a document: a Subtotal sums the lines above it and an EndGroup
# carries its group's total, so counting them would count amounts twice (reference §9).
STRUCTURAL_ITEM_TYPES = ("Subtotal", "Description", "Group", "EndGroup")
MAX_IN_LIST = 1000  # NetSuite's limit on an IN list
ALL_IDS = 10**15  # above any NetSuite internal id

# Query aliases → tables, so a field in a message can be told apart by feature.
ALIASES = {"t": "transaction", "tl": "transactionline", "ml": "transactionline"}
SUBSIDIARY_COLUMNS = ("id", "name", "currency", "parent", "iselimination", "isinactive")
_FIELD_RE = re.compile(r"\b([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\b")
_LITERAL_RE = re.compile(r"'(?:[^']|'')*'")
_FEATURE_OF = {f"{t}.{c}": name for name, cols in FEATURE_COLUMNS.items() for t, c in cols}


@dataclass(frozen=True)
class Query:
    """One SuiteQL statement of a stream. With a `key`, it ends `... AND <key> > ? ORDER BY
    <key>` and is paged by keyset; its other `?` come first."""

    stream: str  # "credit memos"
    name: str  # "line"
    text: str
    key: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The qualified columns it names, optional (feature) columns first."""
        found = set(_FIELD_RE.findall(_LITERAL_RE.sub("''", self.text)))
        names = {f"{alias}.{column}" for alias, column in found}
        return tuple(sorted(names, key=lambda f: (feature_of(f) is None, f)))


def feature_of(field: str) -> str | None:
    """The feature an `alias.column` needs (FEATURE_COLUMNS), None for a standard column."""
    alias, _, column = field.partition(".")
    return _FEATURE_OF.get(f"{ALIASES.get(alias, alias)}.{column}")


# -- the rules --------------------------------------------------------------------------------


def billing_line_sql(alias: str = "tl") -> str:
    """SPEC §4: a line is billed when it is no mainline, tax, COGS or technical line and no
    structural item type. Every other type (Discount, Markup, ShipItem, OthCharge, ...) is
    billed with its own sign."""
    types = ", ".join(f"'{t}'" for t in STRUCTURAL_ITEM_TYPES)
    return (
        f"{alias}.mainline = 'F' AND {alias}.taxline = 'F' "
        f"AND NVL({alias}.iscogs, 'F') = 'F' AND NVL({alias}.donotdisplayline, 'F') = 'F' "
        f"AND NVL({alias}.itemtype, '-') NOT IN ({types})"
    )


def stored_line_sql(alias: str = "tl") -> str:
    """Lines the store keeps: every item-side line, billed or not, so a user can see why."""
    return f"{alias}.mainline = 'F' AND {alias}.taxline = 'F'"


def pulled_sql(alias: str, tran_type: str) -> str:
    """SPEC §4: voided, non-posting, unapproved and draft/rejected documents are not pulled
    (a missing voided flag or status does not exclude a document)."""
    sql = (
        f"NVL({alias}.voided, 'F') = 'F' AND {alias}.posting = 'T' "
        f"AND ({alias}.approvalstatus IS NULL OR {alias}.approvalstatus = {APPROVAL_APPROVED})"
    )
    if tran_type == INVOICE:
        statuses = ", ".join(f"'{s}'" for s in NOT_PULLED_INVOICE_STATUSES)
        sql += f" AND NVL({alias}.status, '-') NOT IN ({statuses})"
    return sql


def flag_sql(condition: str, name: str) -> str:
    return f"CASE WHEN {condition} THEN 'T' ELSE 'F' END AS {name}"


# -- building blocks --------------------------------------------------------------------------


def _since(column: str, start: str | None) -> list[str]:
    """The window condition on an account-local start; none on a full load."""
    return [] if start is None else [f"{column} >= {timestamp_sql(start)}"]


def _datetime(column: str, name: str) -> str:
    return f"TO_CHAR({column}, '{NS_DATETIME}') AS {name}"


def _day(column: str, name: str) -> str:
    return f"TO_CHAR({column}, '{NS_DATE}') AS {name}"


def id_list(ids: Sequence[int]) -> str:
    """An inlined IN list: ints only (formatted here), at most MAX_IN_LIST of them."""
    if not ids or len(ids) > MAX_IN_LIST:
        raise ValueError(f"An IN list needs 1 to {MAX_IN_LIST} ids, not {len(ids)}.")
    return ", ".join(str(int(i)) for i in ids)


def _type_sql(tran_type: str) -> str:
    if tran_type not in STREAMS:
        raise ValueError(f"{tran_type!r} is not a pulled transaction type ({', '.join(STREAMS)}).")
    return f"t.type = '{tran_type}'"


# -- documents (invoices, credit memos) ---------------------------------------------------------

_LINE_FROM = "FROM transactionline tl INNER JOIN transaction t ON t.id = tl.transaction"
# createdfrom is a transactionline column (there is no transaction.createdfrom): the mainline's.
_HEADER_FROM = (
    "FROM transaction t LEFT OUTER JOIN transactionline ml "
    "ON ml.transaction = t.id AND ml.mainline = 'T'"
)


@dataclass(frozen=True)
class DocumentQueries:
    """The queries of one document stream over one window (start None: a full load).
    `profile` None: only `size()`, which names no optional column (asked while the account
    is still being profiled)."""

    profile: AccountProfile | None
    tran_type: str
    start: str | None  # account-local 'YYYY-MM-DD HH:MM:SS'

    @property
    def stream(self) -> str:
        return STREAMS[self.tran_type]

    def _window(self) -> str:
        return " AND ".join([_type_sql(self.tran_type), *_since("t.lastmodifieddate", self.start)])

    def _header_columns(self) -> str:
        columns = ["t.id", "t.tranid", "t.type", _day("t.trandate", "trandate"), "t.entity"]
        columns += ["t.status", "t.approvalstatus"]
        columns += [
            f"t.{c}" for c in ("currency", "exchangerate") if self.profile.has("transaction", c)
        ]
        if self.profile.has("transactionline", "subsidiary"):  # OneWorld: the mainline's
            columns.append("ml.subsidiary")
        columns += [
            _datetime("t.lastmodifieddate", "lastmodifieddate"),
            "ml.createdfrom",
            flag_sql(pulled_sql("t", self.tran_type), "ispulled"),
        ]
        return ", ".join(columns)

    def _line_columns(self) -> str:
        has = lambda column: self.profile.has("transactionline", column)  # noqa: E731
        columns = ["tl.uniquekey", "tl.transaction", "tl.id", "tl.item", "tl.itemtype"]
        columns += ["tl.quantity", "tl.rate", "tl.netamount", "tl.foreignamount", "tl.memo"]
        columns += [f"tl.{c}" for c in ("department", "class", "location") if has(c)]
        columns += [_day(f"tl.{c}", c) for c in ("revrecstartdate", "revrecenddate") if has(c)]
        columns += [
            "tl.iscogs",
            "tl.donotdisplayline",
            _datetime("tl.linelastmodifieddate", "linelastmodifieddate"),
            flag_sql(billing_line_sql("tl"), "isbillingline"),
        ]
        return ", ".join(columns)

    def size(self) -> Query:
        """Smallest and largest id and the count in the window: the shards' bounds."""
        return Query(
            self.stream,
            "size",
            "SELECT MIN(t.id) AS lo, MAX(t.id) AS hi, COUNT(t.id) AS n "
            f"FROM transaction t WHERE {self._window()}",
        )

    def headers(self) -> Query:
        """Every header changed in the window, pulled or not (so one that became voided or
        unapproved leaves the store). Params: shard's upper id, then the keyset."""
        return Query(
            self.stream,
            "header",
            f"SELECT {self._header_columns()} {_HEADER_FROM} WHERE {self._window()} "
            "AND t.id <= ? AND t.id > ? ORDER BY t.id",
            key="t.id",
        )

    def lines(self) -> Query:
        """Stored lines of the pulled documents changed in the window. Params: the shard's
        lower and upper id, then the keyset."""
        return Query(
            self.stream,
            "line",
            f"SELECT {self._line_columns()} {_LINE_FROM} WHERE {self._window()} "
            f"AND {pulled_sql('t', self.tran_type)} AND {stored_line_sql('tl')} "
            # The range on tl.transaction (not t.id) lets NetSuite use the line table's
            # transaction index: each page then reads only its own shard's lines.
            "AND tl.transaction > ? AND tl.transaction <= ? AND tl.uniquekey > ? "
            "ORDER BY tl.uniquekey",
            key="tl.uniquekey",
        )

    def changed_lines(self) -> Query:
        """Documents with a line changed in the window whose header did not change (a line
        can change without its header's lastmodifieddate). Param: the keyset."""
        if self.start is None:
            raise ValueError("A full load reads every document: there is no line window.")
        return Query(
            self.stream,
            "changed-line",
            f"SELECT DISTINCT tl.transaction {_LINE_FROM} WHERE {_type_sql(self.tran_type)} "
            f"AND tl.linelastmodifieddate >= {timestamp_sql(self.start)} "
            f"AND t.lastmodifieddate < {timestamp_sql(self.start)} "
            "AND tl.transaction > ? ORDER BY tl.transaction",
            key="tl.transaction",
        )

    def headers_by_id(self, ids: Sequence[int]) -> Query:
        return Query(
            self.stream,
            "header re-read",
            f"SELECT {self._header_columns()} {_HEADER_FROM} WHERE {_type_sql(self.tran_type)} "
            f"AND t.id IN ({id_list(ids)}) AND t.id > ? ORDER BY t.id",
            key="t.id",
        )

    def lines_by_id(self, ids: Sequence[int]) -> Query:
        """Stored lines of those of `ids` that are pulled: it needs no header read before it,
        so it is asked beside `headers_by_id`."""
        return Query(
            self.stream,
            "line re-read",
            f"SELECT {self._line_columns()} {_LINE_FROM} WHERE {_type_sql(self.tran_type)} "
            f"AND tl.transaction IN ({id_list(ids)}) AND {pulled_sql('t', self.tran_type)} "
            f"AND {stored_line_sql('tl')} AND tl.uniquekey > ? ORDER BY tl.uniquekey",
            key="tl.uniquekey",
        )


# -- entities, deletions, currencies ------------------------------------------------------------

ENTITY_COLUMNS = {
    "customer": (
        "id",
        "entityid",
        "companyname",
        "altname",
        "isperson",
        "firstname",
        "lastname",
        "externalid",
    ),
    "item": ("id", "itemid", "displayname", "itemtype"),
}
ENTITY_STREAMS = {"customer": "customers", "item": "items"}


@dataclass(frozen=True)
class EntityQueries:
    table: str  # customer / item
    start: str | None
    profile: AccountProfile | None = None

    def _columns(self) -> list[str]:
        columns = list(ENTITY_COLUMNS[self.table])
        if self.profile is not None and self.profile.has(self.table, "subsidiary"):
            columns.append("subsidiary")  # OneWorld: the customer's primary subsidiary
        return columns

    @property
    def stream(self) -> str:
        return ENTITY_STREAMS[self.table]

    def _where(self) -> str:
        return " AND ".join(_since(f"{self.table}.lastmodifieddate", self.start)) or (
            f"{self.table}.id > 0"
        )

    def size(self) -> Query:
        t = self.table
        return Query(
            self.stream,
            "size",
            f"SELECT MIN({t}.id) AS lo, MAX({t}.id) AS hi, COUNT({t}.id) AS n "
            f"FROM {t} WHERE {self._where()}",
        )

    def rows(self) -> Query:
        """Params: the shard's upper id, then the keyset."""
        t = self.table
        columns = ", ".join(f"{t}.{c}" for c in self._columns())
        return Query(
            self.stream,
            self.table,
            f"SELECT {columns}, {_datetime(f'{t}.lastmodifieddate', 'lastmodifieddate')} "
            f"FROM {t} WHERE {self._where()} AND {t}.id <= ? AND {t}.id > ? ORDER BY {t}.id",
            key=f"{t}.id",
        )


def deletions(kind: str, start: str | None) -> Query:
    """DeletedRecord rows of one kind since `start` (the caller widens the window: the zone of
    deleteddate is unconfirmed). `type` may hold an id, a code or a label; `recordtypeid` the
    record type: either one matching any known form is a deletion of that kind."""
    forms = ", ".join(f"'{form}'" for form in DELETED_RECORD_FORMS[kind])
    stream = STREAMS.get(kind, ENTITY_STREAMS.get(kind, kind))
    window = "".join(f" AND {c}" for c in _since("deletedrecord.deleteddate", start))
    return Query(
        stream,
        "deletion",
        "SELECT deletedrecord.recordid, "
        f"{_datetime('deletedrecord.deleteddate', 'deleteddate')} FROM deletedrecord "
        f"WHERE (LOWER(deletedrecord.type) IN ({forms}) "
        f"OR LOWER(deletedrecord.recordtypeid) IN ({forms})){window} "
        "AND deletedrecord.recordid > ? ORDER BY deletedrecord.recordid",
        key="deletedrecord.recordid",
    )


def currencies() -> Query:
    return Query("currencies", "currency", "SELECT currency.id, currency.symbol FROM currency")


def subsidiaries() -> Query:
    """OneWorld only: the `subsidiary` table does not exist in SuiteQL without it."""
    columns = ", ".join(f"subsidiary.{c}" for c in SUBSIDIARY_COLUMNS)
    return Query("subsidiaries", "subsidiary", f"SELECT {columns} FROM subsidiary")


def rehearsal(profile: AccountProfile, start: str) -> list[tuple[Query, list]]:
    """Every query a sync sends, with parameters for a tiny run (a window from `start`, an id
    list of one): what `revrec connect` runs so a field problem shows there, not at 06:00."""
    out: list[tuple[Query, list]] = []
    for table in ENTITY_COLUMNS:
        for entities in (EntityQueries(table, None, profile), EntityQueries(table, start, profile)):
            out += [(entities.size(), []), (entities.rows(), [ALL_IDS, 0])]
    for tran_type in STREAMS:
        documents = DocumentQueries(profile, tran_type, start)
        out += [
            (documents.size(), []),
            (documents.headers(), [ALL_IDS, 0]),
            (documents.lines(), [0, ALL_IDS, 0]),
            (documents.changed_lines(), [0]),
            (documents.headers_by_id([0]), [0]),
            (documents.lines_by_id([0]), [0]),
            (deletions(tran_type, start), [0]),
        ]
    out += [(deletions("customer", start), [0]), (currencies(), [])]
    if profile.feature("oneworld"):
        out.append((subsidiaries(), []))
    return out


def sync_columns(profile: AccountProfile) -> set[str]:
    """The optional columns ("table.column") the sync's queries name for this profile."""
    start = "2000-01-01 00:00:00"
    return {
        f"{ALIASES.get(alias, alias)}.{column}"
        for query, _params in rehearsal(profile, start)
        for alias, _, column in (field.partition(".") for field in query.fields)
        if feature_of(f"{alias}.{column}")
    }


# -- failures -----------------------------------------------------------------------------------

# A 400 that names a field: NetSuite's "Unknown identifier", "Field 'x' ... was not found", or a
# feature-disabled field (REMOVED / NOT_EXPOSED).
_FIELD_PROBLEM_RE = re.compile(
    r"Unknown identifier '[^']*'|Field '[^']*'[^.]*|NOT_EXPOSED|REMOVED", re.IGNORECASE
)


def _or(words: Iterable[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def explain(query: Query, exc: NetSuiteError) -> NetSuiteError:
    """A query NetSuite kept failing (500) or refused naming a field (400), as one sentence
    naming the stream, the fields asked for and the likely cause; other errors unchanged."""
    code = f" {exc.code}" if exc.code else ""
    problem = _FIELD_PROBLEM_RE.search(exc.detail or "")
    if exc.status == 500:
        times = "once" if exc.attempts == 1 else f"{exc.attempts} times"
        what = f"NetSuite failed the {query.stream} {query.name} query {times} (500{code})"
    elif exc.status == 400 and problem:
        what = (
            f"NetSuite refused the {query.stream} {query.name} query "
            f"(400{code}: {problem.group(0).strip()})"
        )
    else:
        return exc
    fields = query.fields
    quoted = re.search(r"'([^']*)'", problem.group(0)) if problem else None
    name = quoted.group(1).split(".")[-1].lower() if quoted else None
    named = [f for f in fields if f.split(".")[1] == name]
    suspects = [feature_of(f) for f in (named or fields)]
    features = list(dict.fromkeys(FEATURE_LABELS[f] for f in suspects if f))
    cause = "a field the account does not have is the usual cause"
    if features:
        cause += f" (the account may not have the {_or(features)} feature)"
    return NetSuiteQueryError(
        f"{what}; it asked for {', '.join(fields)}: {cause}; run `revrec connect` to "
        "re-profile the account.",
        exc.status,
        exc.code,
        detail=exc.detail,
        attempts=exc.attempts,
    )

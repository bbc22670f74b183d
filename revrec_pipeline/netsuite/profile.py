"""What one NetSuite account has: its features and the optional columns the sync may use.

Accounts differ (SPEC §4): a column whose feature is off (Departments, Classes, Locations,
OneWorld, Multiple Currencies) fails any query that names it. The profile is discovered by
probing (`discover_profile`, run by `revrec connect` and by a sync) and stored, so every query is
built from what the account really has.

Freshness: a sync uses the stored profile of its account while it is younger than
`PROFILE_MAX_AGE` (24 hours); otherwise it discovers the profile again (seven one-row queries
in an account with every feature, more without) and stores it. `revrec connect` always
discovers it afresh.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

PROFILE_MAX_AGE = timedelta(hours=24)

# Feature → the optional columns it brings, as (table, column).
FEATURE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "departments": (("transactionline", "department"),),
    "classes": (("transactionline", "class"),),
    "locations": (("transactionline", "location"),),
    "oneworld": (("transactionline", "subsidiary"), ("customer", "subsidiary")),
    "multi_currency": (("transaction", "currency"), ("transaction", "exchangerate")),
    "revenue_recognition": (
        ("transactionline", "revrecstartdate"),
        ("transactionline", "revrecenddate"),
    ),
}
# How NetSuite's UI names each feature (for messages).
FEATURE_LABELS = {
    "departments": "Departments",
    "classes": "Classes",
    "locations": "Locations",
    "oneworld": "OneWorld (subsidiaries)",
    "multi_currency": "Multiple Currencies",
    "revenue_recognition": "Revenue Recognition (line rev rec dates)",
    "journal_approval": "Require Approvals on Journal Entries",
}
# Journal line segment field (mapping column) → the feature it needs.
SEGMENT_FEATURES = {
    column: feature
    for feature in ("departments", "classes", "locations")
    for _, column in FEATURE_COLUMNS[feature]
}
# transaction.approvalstatus ids (unconfirmed, SPEC §4; empty: no approval routing, approved).
APPROVAL_PENDING, APPROVAL_APPROVED, APPROVAL_REJECTED = "1", "2", "3"
# Accounting periods a journal entry can post to: not a quarter, year or adjustment period.
POSTING_PERIODS_SQL = "isposting = 'T' AND isquarter = 'F' AND isyear = 'F' AND isadjust = 'F'"


@dataclass(frozen=True)
class AccountProfile:
    account_id: str
    # feature name (FEATURE_LABELS keys) → True / False; None where it cannot be told
    features: dict[str, bool | None] = field(default_factory=dict)
    # "table.column" of every optional column (FEATURE_COLUMNS) that exists in the account
    columns: tuple[str, ...] = ()
    # DeletedRecord: the distinct `type` / `recordtypeid` values seen for our record kinds
    deleted_record_forms: tuple[str, ...] = ()
    # accounting periods: True when every posting period is a calendar month; None unknown
    calendar_months: bool | None = None
    discovered_at: datetime | None = None

    def has(self, table: str, column: str) -> bool:
        return f"{table}.{column}" in self.columns

    def feature(self, name: str) -> bool | None:
        return self.features.get(name)

    def is_fresh(self, now: datetime, max_age: timedelta = PROFILE_MAX_AGE) -> bool:
        """Young enough for a sync to build its queries from (`now` naive UTC)."""
        return self.discovered_at is not None and now - self.discovered_at < max_age

    def to_json(self) -> str:
        data = asdict(self)
        data["discovered_at"] = self.discovered_at.isoformat() if self.discovered_at else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AccountProfile:
        data = json.loads(text)
        stamp = data.get("discovered_at")
        return cls(
            account_id=data["account_id"],
            features=dict(data.get("features") or {}),
            columns=tuple(data.get("columns") or ()),
            deleted_record_forms=tuple(data.get("deleted_record_forms") or ()),
            calendar_months=data.get("calendar_months"),
            discovered_at=datetime.fromisoformat(stamp) if stamp else None,
        )

    @classmethod
    def everything(cls, account_id: str) -> AccountProfile:
        """Every optional column present (tests and the fully featured sandbox)."""
        columns = tuple(f"{t}.{c}" for cols in FEATURE_COLUMNS.values() for t, c in cols)
        return cls(account_id, {name: True for name in FEATURE_COLUMNS}, columns)


# -- discovery --------------------------------------------------------------------------------

# DeletedRecord values that mean our record kinds, in every known form (SPEC §4): record type
# ids, transaction codes and labels, compared case-insensitively.
DELETED_RECORD_FORMS: dict[str, tuple[str, ...]] = {
    "CustInvc": ("invoice", "custinvc"),
    "CustCred": ("creditmemo", "custcred", "credit memo"),
    "customer": ("customer",),
}


# The column each probe compares with -1 (one that exists in every account).
PROBE_KEYS = {"transactionline": "transaction", "deletedrecord": "recordid"}


def probe_column(client, table: str, column: str, known: bool | None = None) -> bool:
    """Whether the account has `table.column`: a query naming it on no rows. A feature that is
    off answers 400 (the answer: not retried) or sometimes 500, which is retried like any
    SuiteQL 500 (at most twice). A 500 that persists is ambiguous: `known` (what the previous
    profile said) then stands, so a bad minute at NetSuite cannot drop a column for a day."""
    from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteError

    key = PROBE_KEYS.get(table, "id")
    try:
        client.suiteql_page(f"SELECT {column} FROM {table} WHERE {key} = ?", [-1], limit=1)
    except NetSuiteAuthError:
        raise
    except NetSuiteError as exc:
        if exc.status == 500 and known is not None:
            return known
        if exc.status in (400, 500):
            return False
        raise
    return True


def is_calendar_month(start: date, end: date) -> bool:
    """Whether a posting period runs from the first to the last day of one month."""
    last_day = calendar.monthrange(start.year, start.month)[1]
    return start.day == 1 and end == start.replace(day=last_day)


def probe_calendar_months(client) -> bool | None:
    """True when every posting period (POSTING_PERIODS_SQL) is a calendar month."""
    rows = client.query_small(
        "SELECT id, TO_CHAR(startdate, 'YYYY-MM-DD') AS startdate, "
        "TO_CHAR(enddate, 'YYYY-MM-DD') AS enddate FROM accountingperiod "
        f"WHERE {POSTING_PERIODS_SQL} AND id > ? ORDER BY id",
        [0],
    )
    if not rows:
        return None
    return all(
        is_calendar_month(date.fromisoformat(row["startdate"]), date.fromisoformat(row["enddate"]))
        for row in rows
    )


def probe_deleted_record_forms(client) -> tuple[str, ...]:
    """The distinct DeletedRecord `type` / `recordtypeid` values that name our kinds."""
    forms = sorted({form for values in DELETED_RECORD_FORMS.values() for form in values})
    listed = ", ".join(f"'{form}'" for form in forms)
    seen: set[str] = set()
    for column in ("type", "recordtypeid"):  # both columns confirmed (reference §9)
        rows = client.query_small(
            f"SELECT DISTINCT {column} AS form FROM DeletedRecord "
            f"WHERE LOWER({column}) IN ({listed})"
        )
        seen.update(f"{column}={row['form']}" for row in rows if row.get("form"))
    return tuple(sorted(seen))


def probe_journal_approval(client) -> bool | None:
    """True when a journal entry of the account waits for approval; None when none tells."""
    rows = client.suiteql_page(
        "SELECT id FROM transaction WHERE type = 'Journal' AND approvalstatus = ? ORDER BY id",
        [APPROVAL_PENDING],
        limit=1,
    )["items"]
    return True if rows else None


def _probe_pool(client) -> ThreadPoolExecutor:
    """Threads for independent probes: as many as the client's budget lets run at once."""
    return ThreadPoolExecutor(max_workers=max(1, getattr(client, "max_concurrency", 1)))


def probe_table(client, table: str, columns: list[str], previous: AccountProfile | None) -> dict:
    """Which of `columns` the account has on `table`: one query naming them all (the answer in
    an account with every feature), else, when it fails, one probe per column (`probe_column`)
    side by side. A 400 or 500 of the joint query only says that some column is missing."""
    from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteError

    if len(columns) > 1:
        key = PROBE_KEYS.get(table, "id")
        try:
            client.suiteql_page(
                f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?", [-1], limit=1
            )
            return dict.fromkeys(columns, True)
        except NetSuiteAuthError:
            raise
        except NetSuiteError as exc:
            if exc.status not in (400, 500):
                raise

    def probe(column: str) -> bool:
        known = previous.has(table, column) if previous else None
        return probe_column(client, table, column, known)

    with _probe_pool(client) as pool:
        return dict(zip(columns, pool.map(probe, columns), strict=True))


def discover_profile(
    client, account_id: str, previous: AccountProfile | None = None
) -> AccountProfile:
    """Probe every optional column and the account's shape: seven tiny queries in an account
    with every feature (one per table for the optional columns), a few more without.
    `previous` (a stale stored profile) settles a column whose probe keeps answering 500."""
    from revrec_pipeline.store.db import utcnow

    tables: dict[str, list[str]] = {}
    for cols in FEATURE_COLUMNS.values():
        for table, column in cols:
            tables.setdefault(table, []).append(column)

    # The probes are independent one-row queries: side by side within the client's budget.
    with _probe_pool(client) as pool:
        found = {
            table: pool.submit(probe_table, client, table, columns, previous)
            for table, columns in tables.items()
        }
        approval = pool.submit(probe_journal_approval, client)
        forms = pool.submit(probe_deleted_record_forms, client)
        months = pool.submit(probe_calendar_months, client)
        present = {
            f"{table}.{column}"
            for table, verdicts in found.items()
            for column, has in verdicts.result().items()
            if has
        }
        columns = tuple(
            f"{t}.{c}"
            for cols in FEATURE_COLUMNS.values()
            for t, c in cols
            if f"{t}.{c}" in present
        )
        features: dict[str, bool | None] = {
            name: all(f"{t}.{c}" in columns for t, c in cols)
            for name, cols in FEATURE_COLUMNS.items()
        }
        features["journal_approval"] = approval.result()
        return AccountProfile(
            account_id=account_id,
            features=features,
            columns=columns,
            deleted_record_forms=forms.result(),
            calendar_months=months.result(),
            discovered_at=utcnow(),
        )


# -- description (revrec connect, revrec status) --------------------------------------------------


def _state(value: bool | None) -> str:
    return {True: "on", False: "off"}.get(value, "unknown")


def describe_profile(profile: AccountProfile, used: Iterable[str] | None = None) -> list[str]:
    """The profile as lines a person reads: features, columns, DeletedRecord forms, calendar.
    `used`: the optional columns ("table.column") the sync's queries name (queries.sync_columns).
    """
    when = f"{profile.discovered_at:%Y-%m-%d %H:%M} UTC" if profile.discovered_at else "unknown"
    features = ", ".join(
        f"{label} {_state(profile.feature(name))}" for name, label in FEATURE_LABELS.items()
    )
    calendar = {
        True: "calendar months",
        False: "not calendar months (journal posting refuses this fiscal calendar)",
        None: "unknown (no posting period found)",
    }[profile.calendar_months]
    lines = [
        f"Account profile of {profile.account_id} (discovered {when}):",
        f"  Features: {features}",
    ]
    if used is None:
        lines.append(f"  Optional columns found: {', '.join(profile.columns) or 'none'}")
    else:
        used = set(used)
        others = [c for c in profile.columns if c not in used]
        lines.append(f"  Optional columns the sync uses: {', '.join(sorted(used)) or 'none'}")
        if others:
            lines.append(f"  Other optional columns found: {', '.join(others)}")
    for name, columns in FEATURE_COLUMNS.items():
        missing = [f"{t}.{c}" for t, c in columns if f"{t}.{c}" not in profile.columns]
        if missing:
            lines.append(
                f"  {FEATURE_LABELS[name]} is off: the sync does not read "
                f"{', '.join(missing)} (stored empty)."
            )
    seen = ", ".join(profile.deleted_record_forms) or "none yet"
    known = "; ".join(f"{kind}: {', '.join(forms)}" for kind, forms in DELETED_RECORD_FORMS.items())
    lines += [
        f"  DeletedRecord forms seen: {seen} (the sync matches type or recordtypeid against "
        f"every known form, ignoring case: {known})",
        f"  Accounting periods: {calendar}",
    ]
    return lines

"""What one NetSuite account has: its features and the optional columns the sync may use.

Accounts differ (SPEC §4): a column whose feature is off (Departments, Classes, Locations,
OneWorld, Multiple Currencies) fails any query that names it. The profile is discovered by
probing (`discover_profile`, run by `revrec connect` and, when none is stored, at the start of a
sync) and stored, so every query is built from what the account really has.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

# Feature → the optional columns it brings, as (table, column).
FEATURE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "departments": (("transactionline", "department"),),
    "classes": (("transactionline", "class"),),
    "locations": (("transactionline", "location"),),
    "oneworld": (("transactionline", "subsidiary"),),
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
SEGMENT_FEATURES = {"department": "departments", "class": "classes", "location": "locations"}


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

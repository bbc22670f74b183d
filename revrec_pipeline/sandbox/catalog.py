"""What SuiteQL can see in one account: its records, their fields, and why a field is missing.

The SQLite tables hold every column the sandbox needs (journals store segments, a subsidiary and
a currency whatever the features); this catalog decides what a query may name. A field whose
feature is off, or that NetSuite keeps elsewhere, is refused here with NetSuite's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import SandboxConfig
from .db import COLUMNS

# NetSuite's feature ids (as `runtime.isFeatureInEffect` names them), for the REMOVED reason.
FEATURE_IDS = {
    "departments": "DEPARTMENTS",
    "classes": "CLASSES",
    "locations": "LOCATIONS",
    "oneworld": "SUBSIDIARIES",
    "multi_currency": "MULTICURRENCY",
}
# Feature → the (record, field) pairs that exist only while it is on (reference §9).
FEATURE_FIELDS = {
    "departments": (("transactionline", "department"),),
    "classes": (("transactionline", "class"),),
    "locations": (("transactionline", "location"),),
    "oneworld": (("transactionline", "subsidiary"), ("customer", "subsidiary")),
    "multi_currency": (("transaction", "currency"), ("transaction", "exchangerate")),
}
# Feature → the record types that exist only while it is on.
FEATURE_RECORDS = {
    "departments": ("department",),
    "classes": ("classification",),
    "locations": ("location",),
    "oneworld": ("subsidiary", "accountsubsidiarymap", "customersubsidiaryrelationship"),
}
# Fields NetSuite keeps on the line, not the header: naming them on `transaction` fails.
# createdfrom answers 500 UNEXPECTED_ERROR (two live reports); subsidiary 400 REMOVED.
SERVER_ERROR_FIELDS = frozenset({("transaction", "createdfrom")})
REMOVED_FIELDS = frozenset({("transaction", "subsidiary")})
# Sandbox bookkeeping, not NetSuite fields (the Records Catalog's DeletedRecord has no
# externalid; the sandbox keeps it for its own lookups).
INTERNAL_FIELDS = frozenset(
    {("transactionline", "customsegments"), ("deletedrecord", "externalid")}
)
# BUILTIN.DF: a reference field shows the referenced record's name (field → record, column).
DISPLAY_REFERENCES = {
    "entity": ("customer", "altname"),
    "item": ("item", "itemid"),
    "currency": ("currency", "name"),
    "account": ("account", "accountsearchdisplayname"),
    "subsidiary": ("subsidiary", "name"),
    "department": ("department", "name"),
    "class": ("classification", "name"),
    "location": ("location", "name"),
    "postingperiod": ("accountingperiod", "periodname"),
}
REFERENCING_RECORDS = frozenset(
    {
        "transaction",
        "transactionline",
        "customer",
        "subsidiary",
        "accountsubsidiarymap",
        "customersubsidiaryrelationship",
    }
)
# How error messages spell record names.
RECORD_NAMES = {
    "transactionline": "transactionLine",
    "deletedrecord": "deletedRecord",
    "accountingperiod": "accountingPeriod",
    "accountsubsidiarymap": "accountSubsidiaryMap",
    "customersubsidiaryrelationship": "customerSubsidiaryRelationship",
}


class CatalogError(Exception):
    """A query NetSuite refuses: status, error code and the search error text (a 400's text
    follows NetSuite's "Search error occurred: ", a 500's is the whole detail)."""

    def __init__(self, detail: str, status: int = 400, code: str = "INVALID_PARAMETER") -> None:
        super().__init__(detail)
        self.detail, self.status, self.code = detail, status, code


def record_name(table: str) -> str:
    return RECORD_NAMES.get(table, table)


@dataclass(frozen=True)
class Catalog:
    """The records and fields one account exposes to SuiteQL."""

    fields: dict[str, tuple[str, ...]]  # record → visible fields, in schema order
    removed_fields: dict[tuple[str, str], str]  # (record, field) → feature id
    removed_records: dict[str, str]  # record → feature id

    @classmethod
    def for_config(cls, config: SandboxConfig) -> Catalog:
        off = [name for name in FEATURE_IDS if not getattr(config, name)]
        removed_fields = {pair: FEATURE_IDS[name] for name in off for pair in FEATURE_FIELDS[name]}
        removed_records = {
            record: FEATURE_IDS[name] for name in off for record in FEATURE_RECORDS.get(name, ())
        }
        hidden = set(removed_fields) | REMOVED_FIELDS | INTERNAL_FIELDS
        fields = {
            table: tuple(c for c in cols.split() if (table, c) not in hidden)
            for table, cols in COLUMNS.items()
            if table not in removed_records
        }
        fields["dual"] = ("dummy",)
        return cls(fields, removed_fields, removed_records)

    def has_record(self, table: str) -> bool:
        return table in self.fields

    def has_field(self, table: str, column: str) -> bool:
        return column in self.fields.get(table, ())

    def explains(self, table: str, column: str) -> bool:
        """Whether a missing `table.column` has a reason of its own (feature off, on the line)."""
        pair = (table, column)
        return pair in SERVER_ERROR_FIELDS or pair in REMOVED_FIELDS or pair in self.removed_fields

    def check_record(self, table: str) -> None:
        if table in self.removed_records:
            # The documented pattern for feature-off names; the exact live wording for a record
            # type (rather than a field) was not found, so this mirrors the field message.
            raise CatalogError(
                f"Record '{record_name(table)}' was not found. "
                f"Reason: REMOVED - Feature {self.removed_records[table]} is not enabled."
            )
        if table not in self.fields:
            raise CatalogError(f"Invalid search type: {table}.")

    def missing_field(self, table: str, column: str) -> CatalogError:
        """Why `table.column` cannot be named, as NetSuite answers it."""
        if (table, column) in SERVER_ERROR_FIELDS:
            return CatalogError(
                "An unexpected error has occurred. Error ID: sandbox-unknown-field",
                status=500,
                code="UNEXPECTED_ERROR",
            )
        if (table, column) in self.removed_fields:
            # Documented pattern (reference §9); the exact live wording is not known.
            return CatalogError(
                f"Field '{column}' for record '{record_name(table)}' "
                f"was not found. Reason: REMOVED - Feature {self.removed_fields[table, column]} "
                "is not enabled."
            )
        if (table, column) in REMOVED_FIELDS:
            return CatalogError(
                f"Field '{column}' for record '{record_name(table)}' was not found. Reason: REMOVED"
            )
        return self.unknown_identifier(column, self.fields.get(table, ()))

    @staticmethod
    def unknown_identifier(name: str, available) -> CatalogError:
        listed = ", ".join(available)
        return CatalogError(
            f"Unknown identifier '{name}'. Available identifiers are: {{{listed}}}."
        )

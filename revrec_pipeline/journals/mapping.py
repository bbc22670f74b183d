"""Journal account mapping (SPEC §7, §10): account type → NetSuite account internal id, with
per-product overrides, segment values (department, class, location, `cseg_*`) per product or
default, and an optional subsidiary.

A product row overrides the default row of its account type, for the account and the segments.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from revrec_pipeline.netsuite.profile import FEATURE_LABELS, SEGMENT_FEATURES

ACCOUNT_TYPES = ("contra_revenue", "deferred_revenue", "revenue", "unbilled_receivable")
BASE_COLUMNS = ("account_type", "netsuite_account_id", "product_code")
SEGMENT_COLUMNS = ("department", "class", "location")
OPTIONAL_COLUMNS = (*SEGMENT_COLUMNS, "subsidiary")
# What each journal event debits and credits (SPEC §7), before a negative amount flips them.
EVENT_ACCOUNTS = {
    "billing": ("contra_revenue", "deferred_revenue"),
    "revenue": ("deferred_revenue", "revenue"),
    "unbilled": ("unbilled_receivable", "deferred_revenue"),
}


class MappingError(ValueError):
    """Every problem in a mapping file, or the account types a posting needs but lacks."""

    def __init__(self, problems: list[str], header: str = "") -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{header}\n{shown}" if header else "; ".join(problems))


def is_internal_id(value: str) -> bool:
    """NetSuite internal ids are ASCII digits (str.isdigit also accepts '５' and '²')."""
    return value.isascii() and value.isdigit()


@dataclass(frozen=True)
class MappingRow:
    account_type: str
    account_id: str
    product_code: str = ""  # "" = the default row of this account type
    segments: tuple[tuple[str, str], ...] = ()  # (field id, internal id), sorted
    subsidiary: str = ""


@dataclass(frozen=True)
class AccountMapping:
    rows: tuple[MappingRow, ...]
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for row in self.rows:
            self._index[(row.account_type, row.product_code)] = row

    def row_for(self, account_type: str, product_code: str = "") -> MappingRow | None:
        return self._index.get((account_type, product_code or "")) or self._index.get(
            (account_type, "")
        )

    @property
    def subsidiary(self) -> str:
        return next((row.subsidiary for row in self.rows if row.subsidiary), "")

    def missing(self, needed: dict[str, set[str]]) -> list[str]:
        """`needed`: account type → product codes it must cover; returns sentences."""
        problems = []
        for account_type in ACCOUNT_TYPES:
            products = needed.get(account_type, set())
            uncovered = sorted(
                p or "(default)" for p in products if not self.row_for(account_type, p)
            )
            if uncovered:
                problems.append(
                    f"account type {account_type} is not mapped (needed for "
                    f"{', '.join(uncovered[:5])}{' …' if len(uncovered) > 5 else ''}); add a "
                    f"default row for {account_type} to the mapping file."
                )
        return problems


def disabled_segments(mapping: AccountMapping, feature: Callable[[str], bool | None]) -> list[str]:
    """One sentence per segment column the mapping sets whose feature the NetSuite account
    lacks (`feature`: an AccountProfile's, True / False / None = unknown)."""
    problems = []
    for column, name in SEGMENT_FEATURES.items():
        rows = sum(1 for row in mapping.rows if any(f == column for f, _ in row.segments))
        if rows and feature(name) is False:
            label = FEATURE_LABELS[name]
            problems.append(
                f"The journal mapping sets {column} on {rows} row{'s' if rows != 1 else ''}, but "
                f"the NetSuite account does not have the {label} feature; remove the {column} "
                f"column or enable {label}."
            )
    return problems


def parse_mapping_csv(text: str, name: str = "mapping.csv") -> AccountMapping:
    """Validate a mapping CSV completely; raises MappingError listing every problem."""
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in BASE_COLUMNS if c not in header]
    unknown = [
        h
        for h in header
        if h not in (*BASE_COLUMNS, *OPTIONAL_COLUMNS) and not h.startswith("cseg_")
    ]
    if missing:
        problems.append(f"{name}: missing column(s) {', '.join(missing)}.")
    if unknown:
        problems.append(
            f"{name}: unknown column(s) {', '.join(unknown)}; custom segment columns start with cseg_."
        )
    if problems:
        raise MappingError(problems, f"{len(problems)} problem(s) in {name}, nothing loaded:")
    reader.fieldnames = header
    rows: list[MappingRow] = []
    seen: dict[tuple[str, str], int] = {}
    subsidiaries: set[str] = set()
    for raw in reader:
        number = reader.line_num  # the line in the file, blank lines included
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        where = f"{name} row {number}"
        account_type = row["account_type"]
        if account_type not in ACCOUNT_TYPES:
            problems.append(
                f"{where}, column account_type: {account_type!r} is not one of "
                f"{', '.join(ACCOUNT_TYPES)}."
            )
        account_id = row["netsuite_account_id"]
        if not is_internal_id(account_id):
            problems.append(
                f"{where}, column netsuite_account_id: {account_id!r} is not a NetSuite internal "
                "id (digits)."
            )
        segments = []
        for column in (*SEGMENT_COLUMNS, *[h for h in header if h.startswith("cseg_")]):
            value = row.get(column, "")
            if value and not is_internal_id(value):
                problems.append(
                    f"{where}, column {column}: {value!r} is not a NetSuite internal id (digits)."
                )
            elif value:
                segments.append((column, value))
        subsidiary = row.get("subsidiary", "")
        if subsidiary and not is_internal_id(subsidiary):
            problems.append(f"{where}, column subsidiary: {subsidiary!r} is not an internal id.")
        elif subsidiary:
            subsidiaries.add(subsidiary)
        key = (account_type, row["product_code"])
        if key in seen:
            problems.append(
                f"{where}: account_type {account_type} for "
                f"{row['product_code'] or 'the default'} repeats row {seen[key]}."
            )
        seen[key] = number
        rows.append(
            MappingRow(
                account_type, account_id, row["product_code"], tuple(sorted(segments)), subsidiary
            )
        )
    if len(subsidiaries) > 1:
        problems.append(f"{name}: more than one subsidiary ({', '.join(sorted(subsidiaries))}).")
    if not rows and not problems:
        problems.append(f"{name}: has no rows.")
    if problems:
        raise MappingError(problems, f"{len(problems)} problem(s) in {name}, nothing loaded:")
    return AccountMapping(tuple(rows))

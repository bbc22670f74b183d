"""Journal account mapping (SPEC §7, §10): account type → NetSuite account internal id, with
per-product overrides, segment values (department, class, location, `cseg_*`) per product or
default, and an optional subsidiary.

A product row overrides the default row of its account type, for the account and the segments.
In a OneWorld account (SPEC §12) rows that name a subsidiary apply to that subsidiary and, for
each account type they map, replace the rows without one for it; rows without a subsidiary apply
to every subsidiary. Without OneWorld the plan has no subsidiaries: rows without one apply, and a
mapping that names exactly one subsidiary (today's single-subsidiary files) applies as a whole.
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
    _own: dict = field(default_factory=dict, compare=False, repr=False)
    _general: dict = field(default_factory=dict, compare=False, repr=False)
    _unscoped: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for row in self.rows:
            if row.subsidiary:
                self._own[(row.account_type, row.product_code, row.subsidiary)] = row
                self._own[(row.account_type, None, row.subsidiary)] = True  # the type is mapped
            else:
                self._general[(row.account_type, row.product_code)] = row
        # A plan without subsidiaries (no OneWorld): the general rows, and in a file that names
        # one subsidiary only (today's single-subsidiary files) its rows fill the gaps.
        self._unscoped.update(self._general)
        if self.subsidiary:
            for row in self.rows:
                self._unscoped.setdefault((row.account_type, row.product_code), row)

    def row_for(
        self, account_type: str, product_code: str = "", subsidiary: str = ""
    ) -> MappingRow | None:
        product_code = product_code or ""
        if subsidiary and (account_type, None, subsidiary) in self._own:
            return self._own.get((account_type, product_code, subsidiary)) or self._own.get(
                (account_type, "", subsidiary)
            )
        rows = self._general if subsidiary else self._unscoped
        return rows.get((account_type, product_code)) or rows.get((account_type, ""))

    @property
    def subsidiary(self) -> str:
        """The one subsidiary the file names (a single-subsidiary file), else "": what an entry
        without a subsidiary of its own is sent with, as before OneWorld support."""
        subsidiaries = {row.subsidiary for row in self.rows if row.subsidiary}
        return next(iter(subsidiaries)) if len(subsidiaries) == 1 else ""

    def missing(self, needed: dict) -> list[str]:
        """`needed`: (account type, subsidiary) → product codes it must cover (or account type
        → product codes, without subsidiaries); returns sentences."""
        problems = []
        by_key = {(k, "") if isinstance(k, str) else k: v for k, v in needed.items()}
        for account_type, subsidiary in sorted(
            by_key, key=lambda k: (k[1], ACCOUNT_TYPES.index(k[0]))
        ):
            products = by_key[(account_type, subsidiary)]
            uncovered = sorted(
                p or "(default)" for p in products if not self.row_for(account_type, p, subsidiary)
            )
            if not uncovered:
                continue
            needed_for = f"{', '.join(uncovered[:5])}{' …' if len(uncovered) > 5 else ''}"
            if subsidiary:
                problems.append(
                    f"account type {account_type} is not mapped for subsidiary {subsidiary} "
                    f"(needed for {needed_for}); add a row for {account_type} with subsidiary "
                    f"{subsidiary}, or one without a subsidiary, to the mapping file."
                )
            else:
                problems.append(
                    f"account type {account_type} is not mapped (needed for {needed_for}); add "
                    f"a default row for {account_type} to the mapping file."
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


def subsidiary_problems(
    mapping: AccountMapping, subsidiaries: dict[int, bool], name: str = "mapping.csv"
) -> list[str]:
    """One sentence per subsidiary the mapping names that the NetSuite account lacks or that
    is an elimination subsidiary (`subsidiaries`: the synced ones, id → is elimination; none
    known yet: nothing to check)."""
    if not subsidiaries:
        return []
    problems = []
    named = sorted({row.subsidiary for row in mapping.rows if row.subsidiary}, key=int)
    for subsidiary in named:
        types = sorted({r.account_type for r in mapping.rows if r.subsidiary == subsidiary})
        rows = f"the {', '.join(types)} row{'s' if len(types) > 1 else ''}"
        if int(subsidiary) not in subsidiaries:
            known = ", ".join(str(s) for s in sorted(subsidiaries))
            problems.append(
                f"{name}: subsidiary {subsidiary} ({rows}) is not a subsidiary of the NetSuite "
                f"account (known: {known})."
            )
        elif subsidiaries[int(subsidiary)]:
            problems.append(
                f"{name}: subsidiary {subsidiary} ({rows}) is an elimination subsidiary, "
                "which RevRec posts nothing to; name the operating subsidiary."
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
    seen: dict[tuple[str, str, str], int] = {}
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
        key = (account_type, row["product_code"], subsidiary)
        if key in seen:
            scope = f" in subsidiary {subsidiary}" if subsidiary else ""
            problems.append(
                f"{where}: account_type {account_type} for "
                f"{row['product_code'] or 'the default'}{scope} repeats row {seen[key]}."
            )
        seen[key] = number
        rows.append(
            MappingRow(
                account_type, account_id, row["product_code"], tuple(sorted(segments)), subsidiary
            )
        )
    if not rows and not problems:
        problems.append(f"{name}: has no rows.")
    if problems:
        raise MappingError(problems, f"{len(problems)} problem(s) in {name}, nothing loaded:")
    return AccountMapping(tuple(rows))

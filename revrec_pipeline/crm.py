"""CRM data (SPEC §5): reading and validating the CSV files, and loading them into the store.

Reading is pure (file → dataclasses or a list of every problem with its file, row and column);
loading is one transaction: upsert by id, all or nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from revrec_pipeline.journals.periods import parse_iso_date
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, upsert

CUSTOMER_COLUMNS = ("customer_id", "customer_name")
SALES_ORDER_COLUMNS = (
    "customer_id",
    "order_number",
    "order_item_number",
    "product_code",
    "service_start_date",
    "service_end_date",
    "amount",
    "currency",
    "recognition",
)
OPTIONAL_SALES_ORDER_COLUMNS = ("subsidiary",)  # OneWorld (SPEC §12)
RECOGNITION_METHODS = ("ratable", "point_in_time")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
# Plain decimal amounts: no exponent, no "_" separators, no non-ASCII digits.
_AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class CrmCustomer:
    customer_id: str
    customer_name: str


@dataclass(frozen=True)
class SalesOrderLine:
    customer_id: str
    order_number: str
    order_item_number: str
    product_code: str
    service_start_date: date
    service_end_date: date  # inclusive
    amount: Decimal
    currency: str
    recognition: str
    # NetSuite subsidiary internal id (OneWorld); None: the matched customer's primary one.
    subsidiary: int | None = None


class CrmFileError(ValueError):
    """Every problem found in the CRM files; nothing was loaded."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s) in the CRM files, nothing loaded:\n{shown}{more}"
        )


def _rows(path: Path, columns: tuple[str, ...], problems: list[str]) -> list[tuple[int, dict]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror}).")
        return []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [c for c in columns if c not in header]
            if missing:
                problems.append(
                    f"{path.name}: missing column(s) {', '.join(missing)}; expected the header "
                    f"{','.join(columns)}."
                )
                return []
            reader.fieldnames = header
            rows = []
            for row in reader:
                # reader.line_num: the line in the file, so blank lines do not shift "row N".
                number = reader.line_num
                if row.get(None):  # DictReader files extra values under None
                    problems.append(
                        f"{path.name} row {number}: has more values than the header's "
                        f"{len(header)} columns (an unquoted comma?)."
                    )
                    continue
                rows.append((number, {k: (v or "").strip() for k, v in row.items() if k}))
            return rows
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(f"{path.name}: is not a UTF-8 CSV file ({exc}).")
            return []


def _parse_date(value: str, where: str, column: str, problems: list[str]) -> date | None:
    parsed = parse_iso_date(value)
    if parsed is None:
        problems.append(
            f"{where}, column {column}: {value!r} is not a date in the form YYYY-MM-DD."
        )
    return parsed


def _parse_amount(value: str, where: str, problems: list[str]) -> Decimal | None:
    if not _AMOUNT.match(value):
        problems.append(
            f"{where}, column amount: {value!r} is not a decimal amount (expected e.g. 1200.50)."
        )
        return None
    amount = Decimal(value)
    if amount != amount.quantize(Decimal("0.01")):
        problems.append(f"{where}, column amount: {value!r} has more than 2 decimal places.")
        return None
    return amount


def read_customers(path: Path, problems: list[str]) -> list[CrmCustomer]:
    customers: dict[str, CrmCustomer] = {}
    first_row: dict[str, int] = {}
    for number, row in _rows(path, CUSTOMER_COLUMNS, problems):
        where = f"{path.name} row {number}"
        customer_id, name = row["customer_id"], row["customer_name"]
        for column in CUSTOMER_COLUMNS:
            if not row[column]:
                problems.append(f"{where}, column {column}: is empty.")
        if customer_id and customer_id in first_row:
            problems.append(
                f"{where}, column customer_id: {customer_id!r} appears twice (first on row "
                f"{first_row[customer_id]})."
            )
        elif customer_id:
            first_row[customer_id] = number
            if name:
                customers[customer_id] = CrmCustomer(customer_id, name)
    return list(customers.values())


def _parse_subsidiary(
    value: str, where: str, subsidiaries: dict[int, bool], problems: list[str]
) -> int | None:
    """An optional NetSuite subsidiary internal id that the synced subsidiary table knows and
    that is no elimination subsidiary (`subsidiaries`: id → is elimination)."""
    if not value:
        return None
    if not value.isdigit():
        problems.append(
            f"{where}, column subsidiary: {value!r} is not a NetSuite subsidiary internal id "
            "(a whole number), or leave it empty for the customer's primary subsidiary."
        )
        return None
    subsidiary = int(value)
    if subsidiary not in subsidiaries:
        known = ", ".join(str(s) for s in sorted(subsidiaries)) or "none yet (run `revrec sync`)"
        problems.append(
            f"{where}, column subsidiary: {subsidiary} is not a subsidiary of the NetSuite "
            f"account (known: {known})."
        )
        return None
    if subsidiaries[subsidiary]:
        problems.append(
            f"{where}, column subsidiary: {subsidiary} is an elimination subsidiary, which "
            "takes no sales; name the selling subsidiary."
        )
        return None
    return subsidiary


def read_sales_orders(
    path: Path,
    known_customers: set[str],
    problems: list[str],
    subsidiaries: dict[int, bool] | None = None,
) -> list[SalesOrderLine]:
    """`subsidiaries`: the NetSuite subsidiaries (id → is elimination) an optional
    `subsidiary` column may name."""
    subsidiaries = subsidiaries or {}
    lines: dict[tuple[str, str], SalesOrderLine] = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, row in _rows(path, SALES_ORDER_COLUMNS, problems):
        where = f"{path.name} row {number}"
        before = len(problems)
        for column in ("customer_id", "order_number", "order_item_number", "product_code"):
            if not row[column]:
                problems.append(f"{where}, column {column}: is empty.")
        if row["customer_id"] and row["customer_id"] not in known_customers:
            problems.append(
                f"{where}, column customer_id: {row['customer_id']!r} is not a known CRM customer "
                "(import it in the customers file)."
            )
        start = _parse_date(row["service_start_date"], where, "service_start_date", problems)
        end = _parse_date(row["service_end_date"], where, "service_end_date", problems)
        if start and end and end < start:
            problems.append(
                f"{where}: service_end_date {end} is before service_start_date {start}."
            )
        amount = _parse_amount(row["amount"], where, problems)
        currency = row["currency"].upper()
        if not _CURRENCY.match(row["currency"]):
            problems.append(
                f"{where}, column currency: {row['currency']!r} is not a 3-letter ISO code."
            )
        if row["recognition"] not in RECOGNITION_METHODS:
            problems.append(
                f"{where}, column recognition: {row['recognition']!r} is not one of "
                f"{', '.join(RECOGNITION_METHODS)}."
            )
        subsidiary = _parse_subsidiary(row.get("subsidiary", ""), where, subsidiaries, problems)
        key = (row["order_number"], row["order_item_number"])
        if key in first_row:
            problems.append(
                f"{where}: order {key[0]} item {key[1]} appears twice (first on row "
                f"{first_row[key]})."
            )
        else:
            first_row[key] = number
        if len(problems) == before:
            lines[key] = SalesOrderLine(
                row["customer_id"],
                key[0],
                key[1],
                row["product_code"],
                start,
                end,
                amount,
                currency,
                row["recognition"],
                subsidiary,
            )
    return list(lines.values())


def import_crm_files(
    store: RevRecStore, customers_csv: Path | None, sales_orders_csv: Path | None
) -> tuple[int, int]:
    """Validate both files completely, then load them in one transaction; returns the counts."""
    problems: list[str] = []
    customers = read_customers(customers_csv, problems) if customers_csv else []
    known = {c.customer_id for c in customers} | stored_customer_ids(store)
    orders = (
        read_sales_orders(sales_orders_csv, known, problems, stored_subsidiaries(store))
        if sales_orders_csv
        else []
    )
    if problems:
        raise CrmFileError(problems)
    with store.write() as conn:
        upsert_crm(conn, customers, orders)
    return len(customers), len(orders)


def stored_customer_ids(store: RevRecStore) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(select(schema.crm_customer.c.customer_id)).scalars())


def stored_subsidiaries(store: RevRecStore) -> dict[int, bool]:
    """The synced NetSuite subsidiaries: id → is an elimination subsidiary (OneWorld only)."""
    table = schema.netsuite_subsidiary
    with store.read() as conn:
        return {
            int(i): bool(e) for i, e in conn.execute(select(table.c.id, table.c.is_elimination))
        }


def upsert_crm(conn, customers: Iterable[CrmCustomer], orders: Iterable[SalesOrderLine]) -> None:
    customers, orders = list(customers), list(orders)
    upsert(conn, schema.crm_customer, [c.__dict__ for c in customers])
    upsert(
        conn,
        schema.crm_sales_order_line,
        [
            {
                "order_number": o.order_number,
                "order_item_number": o.order_item_number,
                "customer_id": o.customer_id,
                "product_code": o.product_code,
                "service_start_date": o.service_start_date,
                "service_end_date": o.service_end_date,
                "amount_cents": int(o.amount * 100),
                "currency": o.currency,
                "recognition": o.recognition,
                "subsidiary": o.subsidiary,
            }
            for o in orders
        ],
    )

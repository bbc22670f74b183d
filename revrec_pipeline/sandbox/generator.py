"""Deterministic NetSuite-shaped data set: customers, invoices, credit memos, deletions, CRM.

Everything derives from (seed, size) and a fixed calendar anchor, never from the wall clock,
so the same arguments give the same rows byte for byte. Documents are produced lazily so a
million lines never need to sit in memory.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from .deleted import deleted_row
from .reference_data import (
    ACCOUNT_ROLES,
    CURRENCIES,
    DESCRIPTION_ITEM,
    DISCOUNT_ITEM,
    EXCLUDED_ITEM_NAME,
    GROUP_ITEM,
    GROUP_MEMBERS,
    INVENTORY_ITEM,
    ITEM_COST,
    ITEMS,
    SELLABLE_ITEMS,
    SHIPPING_ITEM,
    SUBTOTAL_ITEM,
    TAX_ITEM,
    add_months,
    day_text,
    period_rows,
    reference_tables,
)
from .subsidiaries import SUBSIDIARY_OF_CURRENCY

SIZES = {"tiny": 40, "small": 1_000, "medium": 100_000, "large": 1_000_000}
DOC_START, DOC_END = date(2025, 1, 1), date(2026, 10, 31)
MODIFIED_CAP = datetime(2026, 11, 20, 12, 0, 0)  # account-local wall time
FIRST_DOC_ID, FIRST_CUSTOMER_ID = 1001, 101
MAX_SALES_ORDER_LINES = 50_000  # the CRM side is for demos; keep it bounded at "large"

_ITEM_BY_ID = {row[0]: row for row in ITEMS}
_CURRENCY_SYMBOL = {i: sym for i, sym, _, _ in CURRENCIES}
_MONTH_PERIOD_ID = {
    row["startdate"][:7]: row["id"]
    for row in period_rows()
    if row["isquarter"] == "F" and row["isyear"] == "F"
}


@dataclass
class Document:
    """One invoice or credit memo: header row, line rows, and whether it was later deleted.

    Each line row also carries `_kind` (item, discount, header_discount, ship, cogs, technical,
    subtotal, group, endgroup, description, tax, main): the generator's own record of what it
    made, never loaded. `billed` is what the document bills in its currency's cents (invoices
    positive, credit memos negative), tax and structural lines excluded."""

    header: dict
    lines: list[dict]
    deleted_at: str | None = None
    billed: int = 0
    edited_line: int | None = None  # a line changed after its header (line-only edit)

    @property
    def record_type(self) -> str:
        return "invoice" if self.header["type"] == "CustInvc" else "creditmemo"

    def deleted_record(self) -> dict:
        kind = "Invoice" if self.record_type == "invoice" else "Credit Memo"
        name = f"{kind} #{self.header['tranid']}"
        return deleted_row(self.header["id"], self.record_type, name, self.deleted_at or "")


@dataclass
class _Spec:
    """What a special (manifest) document must look like."""

    key: str
    customer: int
    kind: str = "CustInvc"
    status: str = "A"
    trandate: date = date(2026, 9, 15)
    approval: int | None = 2
    posting: str = "T"
    voided: str = "F"
    currency: int = 1
    items: tuple[int, ...] = (1, 4)
    discount: bool = False
    tax: bool = False
    created_from: str | None = None
    deleted: bool = False
    extras: tuple[str, ...] = ()  # description, group, subtotal, header_discount, technical
    line_edit: bool = False


SPECIAL_DOCS = [
    _Spec("invoice_open", 101, items=(1, 4, 7), tax=True, trandate=date(2026, 10, 3)),
    _Spec("invoice_paid", 102, status="B", approval=None, trandate=date(2026, 8, 20)),
    _Spec("invoice_pending_approval", 103, status="D", approval=1, posting="F"),
    _Spec("invoice_rejected", 104, status="E", approval=3, posting="F"),
    _Spec("invoice_voided", 105, status="V", posting="F", voided="T"),
    _Spec("invoice_non_posting", 101, posting="F", items=(3,)),
    _Spec("invoice_excluded_item", 101, items=(9, 2), trandate=date(2026, 10, 12)),
    _Spec("invoice_discount", 105, items=(1, 5), discount=True, currency=2),
    _Spec("invoice_unmatched_customer", 106, items=(6,), trandate=date(2026, 10, 20)),
    _Spec("invoice_near_miss_customer", 107, items=(1,), trandate=date(2026, 10, 21)),
    _Spec("invoice_gbp", 104, items=(2, 8), currency=3, trandate=date(2025, 3, 10)),
    _Spec(
        "credit_memo_from_invoice",
        102,
        "CustCred",
        "B",
        date(2026, 9, 1),
        None,
        items=(1,),
        created_from="invoice_paid",
    ),
    _Spec("credit_memo_standalone", 101, "CustCred", "A", date(2026, 10, 15), None, items=(7,)),
    _Spec("deleted_invoice", 102, items=(4,), trandate=date(2026, 10, 5), deleted=True),
    _Spec(
        "deleted_credit_memo",
        103,
        "CustCred",
        "A",
        date(2026, 10, 6),
        None,
        items=(3,),
        deleted=True,
    ),
    # The lines NetSuite adds besides items (reference §9), one case each, then all together.
    _Spec("invoice_cogs", 101, items=(12, 4), trandate=date(2026, 10, 7)),
    _Spec(
        "invoice_subtotal", 102, items=(1, 2, 3), extras=("subtotal",), trandate=date(2026, 10, 8)
    ),
    _Spec("invoice_group", 103, items=(6,), extras=("group",), trandate=date(2026, 10, 9)),
    _Spec(
        "invoice_description", 104, items=(4,), extras=("description",), trandate=date(2026, 10, 10)
    ),
    _Spec(
        "invoice_header_discount",
        101,
        items=(1, 4),
        extras=("header_discount",),
        trandate=date(2026, 10, 13),
    ),
    _Spec("invoice_shipping", 102, items=(7, 16), trandate=date(2026, 10, 14)),
    _Spec("invoice_technical", 103, items=(1,), extras=("technical",), trandate=date(2026, 10, 16)),
    _Spec("invoice_line_only_edit", 101, items=(4, 6), line_edit=True, trandate=date(2026, 10, 19)),
    _Spec(
        "invoice_all_line_kinds",
        101,
        items=(12, 1, 2, 16),
        discount=True,
        tax=True,
        extras=("description", "group", "subtotal", "header_discount", "technical"),
        trandate=date(2026, 10, 22),
    ),
    _Spec(
        "credit_memo_structural",
        101,
        "CustCred",
        "A",
        date(2026, 10, 23),
        None,
        items=(12, 1, 2),
        discount=True,
        extras=("description", "subtotal", "header_discount", "technical"),
    ),
]

# (id, company name or None, first, last, CRM name variant, has CRM counterpart)
SPECIAL_CUSTOMERS = [
    (101, "Acme Corporation", None, None, "exact", "exact_customer"),
    (102, "Globex LLC", None, None, "case", "case_variant_customer"),
    (103, "Initech Software", None, None, "whitespace", "whitespace_variant_customer"),
    (104, "Café Nordique", None, None, "nfd", "unicode_variant_customer"),
    (105, None, "María", "García", "exact", "individual_customer"),
    (106, "Umbrella Holdings", None, None, "none", "unmatched_customer"),
    (107, "Stark Industries", None, None, "typo", "near_miss_customer"),
]
DELETED_CUSTOMER = (108, "Tyrell Systems")

_ADJ = [
    "Blue",
    "Bright",
    "Silver",
    "Golden",
    "Northern",
    "Pacific",
    "Atlantic",
    "Summit",
    "Vertex",
    "Prime",
    "Nova",
    "Apex",
    "Lunar",
    "Solar",
    "Crimson",
    "Emerald",
    "Urban",
    "Rapid",
    "Clear",
    "Bold",
]
_NOUN = [
    "Harbor",
    "River",
    "Peak",
    "Forge",
    "Bridge",
    "Falcon",
    "Cedar",
    "Orbit",
    "Signal",
    "Beacon",
    "Canyon",
    "Meadow",
    "Pixel",
    "Quartz",
    "Anchor",
    "Maple",
    "Harvest",
    "Vector",
    "Horizon",
    "Stone",
]
_SUFFIX = ["Inc", "LLC", "Ltd", "GmbH", "Corp", "Group", "Partners", "Labs", "Systems", "S.A."]
_FIRST = [
    "James",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Sophia",
    "Lucas",
    "Zoë",
    "Mateo",
    "Chloé",
    "Hannah",
    "Jürgen",
    "Amélie",
    "Søren",
    "Ana",
]
_LAST = [
    "Smith",
    "Johnson",
    "Müller",
    "Dubois",
    "Rossi",
    "Nakamura",
    "Kowalski",
    "Silva",
    "Novak",
    "Jensen",
    "O'Brien",
    "Lefèvre",
]


def _resolve_size(size: int | str) -> tuple[int, str]:
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)} or an int, not {size!r}")
        return SIZES[size], size
    if size < 1:
        raise ValueError("size must be positive")
    return int(size), str(size)


def crm_variant(name: str, variant: str) -> str:
    """A CRM spelling that matching must still accept (or, for 'typo', suggest)."""
    if variant == "case":
        return name.lower() if name != name.lower() else name.upper()
    if variant == "whitespace":
        return "  " + "   ".join(name.split(" ")) + " "
    if variant == "nfd":
        return unicodedata.normalize("NFD", name)
    if variant == "typo":
        return name[:-3] + name[-2] + name[-3] + name[-1]  # swap two letters near the end
    return name


def customer_currency(cid: int) -> int:
    """Most customers bill in USD, some in EUR or GBP (special customers: USD)."""
    if cid < FIRST_CUSTOMER_ID + 10:
        return 1
    return {7: 2, 8: 2, 9: 3}.get((cid * 7919) % 10, 1)


def _dt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Dataset:
    """A generated account. Small tables are eager; documents stream from `iter_documents()`."""

    def __init__(self, seed: int, size: int | str) -> None:
        self.seed = seed
        self.size, self.size_name = _resolve_size(size)
        self.tables = reference_tables()
        self.customers: list[dict] = []
        self.crm_customers: list[tuple[str, str]] = []
        self.deleted_customers: list[dict] = []
        self.manifest: dict = {}
        self._counts: dict | None = None
        self._build_customers()
        self._build_manifest()

    # --- customers --------------------------------------------------------------------------

    def _build_customers(self) -> None:
        rng = random.Random(f"customers-{self.seed}")
        for cid, company, first, last, variant, _ in SPECIAL_CUSTOMERS:
            self._add_customer(rng, cid, company, first, last, variant)
        cid, name = DELETED_CUSTOMER
        self.deleted_customers.append(deleted_row(cid, "customer", name, "2026-06-30 16:45:00"))
        taken = {c["altname"] for c in self.customers}
        n_bulk = max(0, self.size // 25 - len(SPECIAL_CUSTOMERS))
        for offset in range(n_bulk):
            cid = DELETED_CUSTOMER[0] + 1 + offset
            company, first, last = self._bulk_name(rng, taken, offset)
            variant = rng.choices(["exact", "case", "whitespace", "nfd"], [85, 5, 5, 5])[0]
            self._add_customer(rng, cid, company, first, last, variant)
        # A CRM-only prospect: exists in the CRM, never billed in NetSuite.
        self.crm_customers.append((f"CRM-{len(self.crm_customers) + 1:04d}", "Wayne Enterprises"))

    def _bulk_name(self, rng: random.Random, taken: set, n: int):
        for _ in range(20):
            if rng.random() < 0.15:
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                company, name = None, f"{first} {last}"
            else:
                first = last = None
                company = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX)}"
                name = company
            if name not in taken:
                taken.add(name)
                return company, first, last
        company = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {n}"
        taken.add(company)
        return company, None, None

    def _add_customer(self, rng, cid: int, company, first, last, variant: str) -> None:
        name = company or f"{first} {last}"
        crm_id = None
        if variant != "none":
            crm_id = f"CRM-{len(self.crm_customers) + 1:04d}"
            self.crm_customers.append((crm_id, crm_variant(name, variant)))
        created = datetime(2024, 6, 1, 9) + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        modified = min(created + timedelta(minutes=rng.randrange(0, 500 * 24 * 60)), MODIFIED_CAP)
        self.customers.append(
            {
                "id": cid,
                "entityid": f"C{cid:05d}",
                "companyname": company,
                "altname": name,
                "isperson": "T" if company is None else "F",
                "firstname": first,
                "lastname": last,
                "email": None,
                "externalid": crm_id,
                "currency": customer_currency(cid),
                "subsidiary": 1,
                "isinactive": "F",
                "datecreated": _dt(created),
                "lastmodifieddate": _dt(modified),
            }
        )

    # --- documents --------------------------------------------------------------------------

    def iter_documents(self) -> Iterator[Document]:
        """Special (manifest) documents first, then the bulk; identical on every call."""
        gen = _DocumentWriter(random.Random(f"documents-{self.seed}"), self.customers)
        counts = {
            "invoices": 0,
            "credit_memos": 0,
            "deleted_documents": 0,
            "item_lines": 0,
            "lines": 0,
        }
        for doc in self._all_documents(gen):
            self._count(counts, doc)
            yield doc
        self._counts = counts

    def _all_documents(self, gen: _DocumentWriter) -> Iterator[Document]:
        by_key: dict[str, Document] = {}
        for spec in SPECIAL_DOCS:
            source = by_key.get(spec.created_from or "")
            doc = gen.special(spec, source)
            by_key[spec.key] = doc
            yield doc
        item_lines = sum(gen.item_line_count(d) for d in by_key.values())
        while item_lines < self.size:
            doc = gen.bulk(min(1.0, item_lines / self.size))
            item_lines += gen.item_line_count(doc)
            yield doc

    @staticmethod
    def _count(counts: dict, doc: Document) -> None:
        if doc.deleted_at:
            counts["deleted_documents"] += 1
            return
        counts["invoices" if doc.header["type"] == "CustInvc" else "credit_memos"] += 1
        counts["lines"] += len(doc.lines)
        counts["item_lines"] += sum(
            1 for ln in doc.lines if ln["mainline"] == "F" and ln["taxline"] == "F"
        )

    def counts(self) -> dict:
        """Summary: customers, items, documents by type, lines (iterates once, then cached)."""
        if self._counts is None:
            for _ in self.iter_documents():
                pass
        assert self._counts is not None
        return {
            "customers": len(self.customers),
            "items": len(ITEMS),
            "crm_customers": len(self.crm_customers),
            **self._counts,
        }

    def _special_documents(self) -> dict[str, Document]:
        """The manifest documents alone (built by a writer of their own: same rows)."""
        gen = _DocumentWriter(random.Random(f"documents-{self.seed}"), self.customers)
        by_key: dict[str, Document] = {}
        for spec in SPECIAL_DOCS:
            by_key[spec.key] = gen.special(spec, by_key.get(spec.created_from or ""))
        return by_key

    def _build_manifest(self) -> None:
        keys = {spec.key: FIRST_DOC_ID + i for i, spec in enumerate(SPECIAL_DOCS)}
        specials = self._special_documents()
        edited = specials["invoice_line_only_edit"]
        edited_line = next(ln for ln in edited.lines if ln["id"] == edited.edited_line)
        customers = {role: cid for cid, *_, role in SPECIAL_CUSTOMERS}
        self.manifest = {
            **keys,
            **customers,
            "deleted_customer": DELETED_CUSTOMER[0],
            "near_miss_crm_name": crm_variant("Stark Industries", "typo"),
            "crm_only_customer_name": "Wayne Enterprises",
            "excluded_item_name": EXCLUDED_ITEM_NAME,
            "excluded_item_id": next(i[0] for i in ITEMS if i[1] == EXCLUDED_ITEM_NAME),
            "discount_item_id": DISCOUNT_ITEM[0],
            "tax_item_id": TAX_ITEM[0],
            "inventory_item_id": INVENTORY_ITEM[0],
            "subtotal_item_id": SUBTOTAL_ITEM[0],
            "group_item_id": GROUP_ITEM[0],
            "group_member_item_ids": list(GROUP_MEMBERS),
            "description_item_id": DESCRIPTION_ITEM[0],
            "shipping_item_id": SHIPPING_ITEM[0],
            # What each manifest document bills, in its currency's cents (credit memos
            # negative): item, discount and shipping lines; never tax, COGS, technical or
            # structural lines.
            "billed_cents": {k: d.billed for k, d in specials.items() if not d.deleted_at},
            "line_only_edit": {
                "transaction": edited.header["id"],
                "line": edited_line["id"],
                "lastmodifieddate": edited.header["lastmodifieddate"],
                "linelastmodifieddate": edited_line["linelastmodifieddate"],
            },
            "accounts": dict(ACCOUNT_ROLES),
            "subsidiary_id": 1,
            "currencies": {sym: i for i, sym, _, _ in CURRENCIES},
            "departments": [1, 2, 3],
            "classes": [1, 2, 3],
            "locations": [1, 2, 3],
            "closed_before": "2025-01",
            "modified_cap": _dt(MODIFIED_CAP),
        }

    # --- CRM side ---------------------------------------------------------------------------

    @cached_property
    def crm_sales_orders(self) -> list[dict]:
        """One CRM order per approved, posting invoice of a CRM customer, mirroring its lines."""
        crm_of = {c["id"]: c["externalid"] for c in self.customers if c["externalid"]}
        orders: list[dict] = []
        for doc in self.iter_documents():
            h = doc.header
            if (
                doc.deleted_at
                or h["type"] != "CustInvc"
                or h["posting"] != "T"
                or h["entity"] not in crm_of
            ):
                continue
            orders.extend(_order_lines(doc, crm_of[h["entity"]]))
            if len(orders) >= MAX_SALES_ORDER_LINES:
                break
        return orders

    def write_crm_csv(self, folder, subsidiaries: str = "one") -> tuple[Path, Path]:
        """SPEC §10 CSVs: customers.csv and sales_orders.csv (UTF-8, header row). For a sandbox
        with several subsidiaries (SPEC §12) the orders gain a `subsidiary` column, filled only
        where the order's document is not in its customer's primary subsidiary (empty: the
        customer's primary subsidiary applies)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        customers_path, orders_path = folder / "customers.csv", folder / "sales_orders.csv"
        with customers_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["customer_id", "customer_name"])
            writer.writerows(self.crm_customers)
        columns = [
            "customer_id",
            "order_number",
            "order_item_number",
            "product_code",
            "service_start_date",
            "service_end_date",
            "amount",
            "currency",
            "recognition",
        ]
        several = subsidiaries == "several"
        if several:
            columns.append("subsidiary")
            currency_of = {c["externalid"]: c["currency"] for c in self.customers}
            currency_id = {sym: i for i, sym in _CURRENCY_SYMBOL.items()}
        with orders_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for order in self.crm_sales_orders:
                row = {k: str(order[k]) for k in columns if k in order}
                if several:
                    sub = SUBSIDIARY_OF_CURRENCY[currency_id[order["currency"]]]
                    primary = SUBSIDIARY_OF_CURRENCY[currency_of[order["customer_id"]]]
                    row["subsidiary"] = str(sub) if sub != primary else ""
                writer.writerow(row)
        return customers_path, orders_path


def _order_lines(doc: Document, crm_id: str) -> list[dict]:
    out = []
    symbol = _CURRENCY_SYMBOL[doc.header["currency"]]
    for line in doc.lines:
        if line["_kind"] not in ("item", "ship"):  # sold items only: what a CRM order holds
            continue
        item = _ITEM_BY_ID[line["item"]]
        out.append(
            {
                "customer_id": crm_id,
                "order_number": f"SO-{doc.header['id']}",
                "order_item_number": len(out) + 1,
                "product_code": item[1],
                "service_start_date": date.fromisoformat(line["revrecstartdate"][:10]),
                "service_end_date": date.fromisoformat(line["revrecenddate"][:10]),
                "amount": (-Decimal(str(line["foreignamount"]))).quantize(Decimal("0.01")),
                "currency": symbol,
                "recognition": item[4],
            }
        )
    return out


# Per bulk document: the chance of each extra line kind NetSuite puts on invoices.
BULK_EXTRAS = (
    ("description", 0.04),
    ("group", 0.03),
    ("subtotal", 0.06),
    ("header_discount", 0.03),
    ("technical", 0.02),
)
BULK_SHIPPING, BULK_LINE_EDIT = 0.05, 0.02
# Line kinds: which ones post (enter the A/R total) and which ones bill the customer.
POSTING_KINDS = frozenset(
    {"item", "discount", "header_discount", "ship", "cogs", "technical", "tax"}
)
BILLING_KINDS = frozenset({"item", "discount", "header_discount", "ship"})


class _DocumentWriter:
    """Builds documents one at a time, owning the id, number and line-key counters."""

    def __init__(self, rng: random.Random, customers: list[dict]) -> None:
        self.rng = rng
        self.customer_ids = [c["id"] for c in customers]
        self.next_id = FIRST_DOC_ID
        self.next_key = 1
        self.numbers = {"CustInvc": 0, "CustCred": 0}
        self.currency_of = {cid: customer_currency(cid) for cid in self.customer_ids}
        self.last_invoice: dict[int, Document] = {}

    @staticmethod
    def item_line_count(doc: Document) -> int:
        return sum(1 for ln in doc.lines if ln["mainline"] == "F" and ln["taxline"] == "F")

    def special(self, spec: _Spec, source: Document | None) -> Document:
        modified = datetime.combine(spec.trandate, datetime.min.time()) + timedelta(
            days=2, hours=10
        )
        lines = [(item, 1 + k, _ITEM_BY_ID[item][6]) for k, item in enumerate(spec.items)]
        doc = self._document(
            spec.kind,
            spec.customer,
            spec.trandate,
            spec.status,
            spec.approval,
            spec.posting,
            spec.voided,
            spec.currency,
            lines,
            spec.discount,
            spec.tax,
            source,
            modified,
            spec.extras,
        )
        if spec.line_edit:
            self._edit_line(doc, modified + timedelta(days=3))
        if spec.deleted:
            doc.deleted_at = _dt(min(modified + timedelta(days=3), MODIFIED_CAP))
        return doc

    def bulk(self, progress: float) -> Document:
        rng = self.rng
        span = (DOC_END - DOC_START).days
        trandate = DOC_START + timedelta(days=min(span, int(progress * span) + rng.randrange(0, 4)))
        customer = rng.choice(self.customer_ids)
        kind, status, approval, posting, voided = self._pick_status(trandate)
        source = (
            self.last_invoice.get(customer) if kind == "CustCred" and rng.random() < 0.5 else None
        )
        n_lines = rng.choices([1, 2, 3, 4, 5, 6, 7], [20, 25, 20, 15, 10, 6, 4])[0]
        lines = []
        for _ in range(n_lines):
            item = rng.choices(SELLABLE_ITEMS, [30, 15, 12, 15, 10, 6, 6, 4, 2, 5])[0]
            qty = rng.randint(1, 25) if item[3] == "NonInvtPart" else rng.randint(1, 5)
            price = int(item[6] * rng.uniform(0.8, 1.2))
            lines.append((item[0], qty, price))
        if rng.random() < BULK_SHIPPING:
            lines.append((SHIPPING_ITEM[0], 1, SHIPPING_ITEM[6]))
        extras = tuple(name for name, chance in BULK_EXTRAS if rng.random() < chance)
        earliest = datetime.combine(trandate, datetime.min.time()) + timedelta(hours=8)
        modified = earliest + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        if modified > MODIFIED_CAP:
            # Spread late edits over the weeks before the cap: piling thousands of documents
            # onto one timestamp would put them all in every incremental overlap window.
            spread = MODIFIED_CAP - timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
            modified = max(earliest, spread)
        modified = min(modified, MODIFIED_CAP)
        doc = self._document(
            kind,
            customer,
            trandate,
            status,
            approval,
            posting,
            voided,
            self.currency_of[customer],
            lines,
            rng.random() < 0.15,
            rng.random() < 0.3,
            source,
            modified,
            extras,
        )
        if rng.random() < BULK_LINE_EDIT and modified < MODIFIED_CAP - timedelta(hours=1):
            later = modified + timedelta(minutes=rng.randrange(60, 7 * 24 * 60))
            self._edit_line(doc, min(later, MODIFIED_CAP))
        if rng.random() < 0.01:
            doc.deleted_at = _dt(min(modified + timedelta(days=rng.randint(1, 20)), MODIFIED_CAP))
        elif kind == "CustInvc" and posting == "T":
            self.last_invoice[customer] = doc
        return doc

    @staticmethod
    def _edit_line(doc: Document, moment: datetime) -> None:
        """A line changed without its header (reference §9): only its own stamp moves."""
        line = next((ln for ln in reversed(doc.lines) if ln["_kind"] == "item"), None)
        if line is None:
            return
        line["memo"] = f"{line['memo']} (edited)"
        line["linelastmodifieddate"] = _dt(moment)
        doc.edited_line = line["id"]

    def _pick_status(self, trandate: date) -> tuple[str, str, int | None, str, str]:
        u = self.rng.random()
        approval = self.rng.choice([2, None])
        if u < 0.10:
            return "CustCred", self.rng.choice("AB"), None, "T", "F"
        if u < 0.13:
            return "CustInvc", "D", 1, "F", "F"
        if u < 0.145:
            return "CustInvc", "E", 3, "F", "F"
        if u < 0.16:
            return "CustInvc", "V", approval, "F", "T"
        if u < 0.17:
            return "CustInvc", "A", approval, "F", "F"
        paid = self.rng.random() < (0.8 if trandate < date(2026, 6, 1) else 0.3)
        return "CustInvc", "B" if paid else "A", approval, "T", "F"

    def _document(
        self,
        kind,
        customer,
        trandate,
        status,
        approval,
        posting,
        voided,
        currency,
        lines,
        discount,
        tax,
        source,
        modified,
        extras=(),
    ) -> Document:
        rng = self.rng
        doc_id, self.next_id = self.next_id, self.next_id + 1
        self.numbers[kind] += 1
        prefix = "INV" if kind == "CustInvc" else "CM"
        tranid = f"{prefix}{self.numbers[kind]:06d}"
        rate = (
            1.0
            if currency == 1
            else round(CURRENCIES[currency - 1][3] * rng.uniform(0.97, 1.03), 4)
        )
        sign = -1 if kind == "CustInvc" else 1  # GL view: invoice income lines are credits
        stamp = _dt(modified)
        opened = datetime.combine(trandate, datetime.min.time()) + timedelta(hours=9)
        created = _dt(min(max(opened, modified - timedelta(days=1)), modified))
        body = self._body(lines, trandate, sign, discount, extras, source)
        billed = sum(ln["cents"] for ln in body if ln["kind"] in BILLING_KINDS)
        taxable = sign * billed  # document-side cents, positive
        if tax and taxable > 0:
            body.append(_spec("tax", sign * round(taxable * 0.0725), TAX_ITEM[0], 70, "Sales Tax"))
        # The A/R line balances what posts; Subtotal and EndGroup lines only repeat amounts.
        main_cents = -sum(ln["cents"] for ln in body if ln["kind"] in POSTING_KINDS)
        header = {
            "id": doc_id,
            "tranid": tranid,
            "transactionnumber": tranid,
            "type": kind,
            "recordtype": "invoice" if kind == "CustInvc" else "creditmemo",
            "trandate": day_text(trandate),
            "entity": customer,
            "status": status,
            "currency": currency,
            "exchangerate": rate,
            "foreigntotal": main_cents / 100,
            "posting": posting,
            "voided": voided,
            "approvalstatus": approval,
            "postingperiod": _MONTH_PERIOD_ID[trandate.isoformat()[:7]],
            "subsidiary": 1,
            "memo": None,
            "externalid": None,
            "createddate": created,
            "lastmodifieddate": stamp,
        }
        mainline = _spec("main", main_cents, None, 1, None)
        rows = [self._line(header, 0, mainline, source.header["id"] if source else None)]
        rows.extend(self._line(header, n, ln) for n, ln in enumerate(body, 1))
        return Document(header, rows, billed=-billed)

    def _body(self, lines, trandate, sign, discount, extras, source) -> list[dict]:
        """Every line below the mainline, in NetSuite's order, tax excepted."""
        if source is not None:  # a credit memo converted from an invoice credits its first lines
            primary = [
                {**ln, "cents": -ln["cents"], "qty": -ln["qty"] if ln["qty"] else ln["qty"]}
                for ln in self._source_lines(source)
            ][:2]
            discount, extras = False, ()
        else:
            primary = [self._item_line(*line, trandate, sign) for line in lines]
        body: list[dict] = []
        if "description" in extras:
            body.append(_spec("description", None, DESCRIPTION_ITEM[0], None, "Thank you!"))
        if "group" in extras:
            members = [
                self._item_line(m, 1, _ITEM_BY_ID[m][6], trandate, sign) for m in GROUP_MEMBERS
            ]
            total = sum(m["cents"] for m in members)
            body.append(_spec("group", None, GROUP_ITEM[0], None, GROUP_ITEM[2]))
            body.extend(members)
            body.append(_spec("endgroup", total, GROUP_ITEM[0], None, None))
        for k, line in enumerate(primary):
            body.append(line)
            if k == 0 and discount:
                cents = -round(line["cents"] * 0.1)  # opposite sign to the line it discounts
                body.append(
                    {
                        **_spec("discount", cents, DISCOUNT_ITEM[0], 63, "Partner discount 10%"),
                        "price": -abs(cents) / 100,
                        "start": line["start"],
                        "end": line["end"],
                    }
                )
            if k == 1 and "subtotal" in extras and len(primary) > 2:
                body.append(_spec("subtotal", None, SUBTOTAL_ITEM[0], None, None))
        if "subtotal" in extras:
            body.append(_spec("subtotal", None, SUBTOTAL_ITEM[0], None, None))
        if "header_discount" in extras:
            billed = sum(ln["cents"] for ln in body if ln["kind"] in BILLING_KINDS)
            first = primary[0]
            body.append(
                {
                    **_spec("header_discount", -round(billed * 0.05), DISCOUNT_ITEM[0], 63, None),
                    "memo": "Header discount 5%",
                    "start": first["start"],
                    "end": first["end"],
                }
            )
        if "technical" in extras:  # a system pair that nets to zero, never shown
            first = primary[0]
            for cents, account in ((first["cents"], 58), (-first["cents"], 61)):
                body.append(_spec("technical", cents, first["item"], account, "System reclass"))
        return _with_cogs(_fill_subtotals(body), sign)

    def _item_line(self, item_id, qty, price, trandate, sign) -> dict:
        rng = self.rng
        item = _ITEM_BY_ID[item_id]
        start = trandate + timedelta(days=rng.randrange(-3, 15))
        term = item[5] if item[5] != 12 else rng.choice([12, 12, 12, 24, 6, 1])
        end = add_months(start, term) - timedelta(days=1) if term else start
        shipping = item[3] == "ShipItem"
        account = 64 if shipping else 58 if item[4] == "ratable" else 62
        return {
            **_spec("ship" if shipping else "item", sign * qty * price, item_id, account, item[2]),
            "qty": sign * qty,
            "price": price / 100,
            "start": day_text(start),
            "end": day_text(end),
        }

    @staticmethod
    def _source_lines(source: Document) -> list[dict]:
        return [
            {
                **_spec("item", round(ln["foreignamount"] * 100), ln["item"], ln["account"], None),
                "qty": ln["quantity"],
                "price": ln["rate"],
                "start": ln["revrecstartdate"],
                "end": ln["revrecenddate"],
                "memo": ln["memo"],
            }
            for ln in source.lines
            if ln.get("_kind") == "item"
        ]

    def _line(self, header: dict, n: int, spec: dict, created_from: int | None = None) -> dict:
        key, self.next_key = self.next_key, self.next_key + 1
        kind, cents, item = spec["kind"], spec["cents"], spec["item"]
        item_row = _ITEM_BY_ID.get(item or 0)
        posts_segment = kind in POSTING_KINDS and kind != "tax"
        segment = 1 + (header["id"] + n) % 3 if posts_segment else None
        return {
            "uniquekey": key,
            "transaction": header["id"],
            "id": n,
            "linesequencenumber": n,
            "mainline": "T" if n == 0 else "F",
            "taxline": "T" if kind == "tax" else "F",
            "item": item,
            "itemtype": "EndGroup" if kind == "endgroup" else item_row[3] if item_row else None,
            "quantity": float(spec["qty"]) if spec.get("qty") is not None else None,
            "rate": spec.get("price"),
            # both in the document's currency (reference §9); base currency is only in
            # transactionaccountingline, which the sandbox does not hold
            "netamount": None if cents is None else cents / 100,
            "foreignamount": None if cents is None else cents / 100,
            "debit": None,
            "credit": None,
            "account": spec["account"],
            "memo": spec["memo"],
            "entity": header["entity"],
            "subsidiary": 1,
            "department": segment,
            "class": segment,
            "location": segment,
            "createdfrom": created_from,
            "revrecstartdate": spec.get("start"),
            "revrecenddate": spec.get("end"),
            "linelastmodifieddate": header["lastmodifieddate"],
            "iscogs": "T" if kind == "cogs" else "F",
            "donotdisplayline": "T" if kind == "technical" else "F",
            "transactiondiscount": "T" if kind == "header_discount" else "F",
            "_kind": kind,  # the generator's own bookkeeping; never loaded
        }


def _spec(kind: str, cents, item, account, memo) -> dict:
    return {"kind": kind, "cents": cents, "item": item, "account": account, "memo": memo}


def _fill_subtotals(body: list[dict]) -> list[dict]:
    """A Subtotal line carries the sum of the billed lines above it, since the last one."""
    running = 0
    for line in body:
        if line["kind"] == "subtotal":
            line["cents"], running = running, 0
        elif line["kind"] in BILLING_KINDS:
            running += line["cents"]
    return body


def _with_cogs(body: list[dict], sign: int) -> list[dict]:
    """Each inventory line is followed by its COGS pair (expense and asset, opposite signs)."""
    out: list[dict] = []
    for line in body:
        out.append(line)
        cost = ITEM_COST.get(line["item"]) if line["kind"] == "item" else None
        if cost:
            amount = int(abs(line["qty"])) * cost
            for cents, account in ((-sign * amount, 65), (sign * amount, 66)):
                out.append(_spec("cogs", cents, line["item"], account, "Cost of goods sold"))
    return out


def generate_dataset(seed: int = 42, size: int | str = "small") -> Dataset:
    """A deterministic account: same seed and size give identical rows."""
    return Dataset(seed, size)

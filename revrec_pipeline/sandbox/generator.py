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

from .reference_data import (
    ACCOUNT_ROLES,
    CURRENCIES,
    DISCOUNT_ITEM,
    EXCLUDED_ITEM_NAME,
    ITEMS,
    SELLABLE_ITEMS,
    TAX_ITEM,
    add_months,
    day_text,
    period_rows,
    reference_tables,
)

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
    """One invoice or credit memo: header row, line rows, and whether it was later deleted."""

    header: dict
    lines: list[dict]
    deleted_at: str | None = None

    @property
    def record_type(self) -> str:
        return "invoice" if self.header["type"] == "CustInvc" else "creditmemo"

    def deleted_record(self) -> dict:
        kind = "Invoice" if self.record_type == "invoice" else "Credit Memo"
        return {
            "recordid": self.header["id"],
            "type": self.record_type,
            "name": f"{kind} #{self.header['tranid']}",
            "deleteddate": self.deleted_at,
            "context": "UI",
            "deletedby": -5,
            "iscustomrecord": "F",
        }


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
        self.deleted_customers.append(
            {
                "recordid": cid,
                "type": "customer",
                "name": name,
                "deleteddate": "2026-06-30 16:45:00",
                "context": "UI",
                "deletedby": -5,
                "iscustomrecord": "F",
            }
        )
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

    def _build_manifest(self) -> None:
        keys = {spec.key: FIRST_DOC_ID + i for i, spec in enumerate(SPECIAL_DOCS)}
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

    def write_crm_csv(self, folder) -> tuple[Path, Path]:
        """SPEC §10 CSVs: customers.csv and sales_orders.csv (UTF-8, header row)."""
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
        with orders_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for order in self.crm_sales_orders:
                writer.writerow({k: str(order[k]) for k in columns})
        return customers_path, orders_path


def _order_lines(doc: Document, crm_id: str) -> list[dict]:
    out = []
    symbol = _CURRENCY_SYMBOL[doc.header["currency"]]
    for line in doc.lines:
        item = _ITEM_BY_ID.get(line["item"] or 0)
        if (
            line["mainline"] == "T"
            or line["taxline"] == "T"
            or item is None
            or item[3] == "Discount"
        ):
            continue
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
        )
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
            item = rng.choices(SELLABLE_ITEMS, [30, 15, 12, 15, 10, 6, 6, 4, 2])[0]
            qty = rng.randint(1, 25) if item[3] == "NonInvtPart" else rng.randint(1, 5)
            price = int(item[6] * rng.uniform(0.8, 1.2))
            lines.append((item[0], qty, price))
        earliest = datetime.combine(trandate, datetime.min.time()) + timedelta(hours=8)
        modified = earliest + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        if modified > MODIFIED_CAP:
            # Spread late edits over the weeks before the cap: piling thousands of documents
            # onto one timestamp would put them all in every incremental overlap window.
            spread = MODIFIED_CAP - timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
            modified = max(earliest, spread)
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
            min(modified, MODIFIED_CAP),
        )
        if rng.random() < 0.01:
            doc.deleted_at = _dt(min(modified + timedelta(days=rng.randint(1, 20)), MODIFIED_CAP))
        elif kind == "CustInvc" and posting == "T":
            self.last_invoice[customer] = doc
        return doc

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
        body = self._item_lines(lines, trandate, sign, discount, source)
        subtotal = sign * sum(c for c, *_ in body)  # document-side cents, positive
        if tax and subtotal > 0:
            body.append(
                (
                    sign * round(subtotal * 0.0725),
                    None,
                    None,
                    TAX_ITEM[0],
                    None,
                    None,
                    "T",
                    70,
                    "Sales Tax",
                )
            )
        main_cents = -sum(c for c, *_ in body)  # the A/R line balances the document
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
            "createdfrom": source.header["id"] if source else None,
            "approvalstatus": approval,
            "postingperiod": _MONTH_PERIOD_ID[trandate.isoformat()[:7]],
            "subsidiary": 1,
            "memo": None,
            "externalid": None,
            "createddate": created,
            "lastmodifieddate": stamp,
        }
        rows = [self._line(header, 0, main_cents, None, None, None, None, None, "F", 1, None)]
        for n, (cents, qty, price, item, start, end, taxline, account, memo) in enumerate(body, 1):
            rows.append(
                self._line(header, n, cents, qty, price, item, start, end, taxline, account, memo)
            )
        return Document(header, rows)

    def _item_lines(self, lines, trandate, sign, discount, source) -> list[tuple]:
        rng = self.rng
        if source is not None:  # a credit memo converted from an invoice credits its first lines
            return [
                (-c, -q if q else q, p, i, s, e, t, a, m)
                for c, q, p, i, s, e, t, a, m in self._source_lines(source)
            ][:2]
        out = []
        for item_id, qty, price in lines:
            item = _ITEM_BY_ID[item_id]
            start = trandate + timedelta(days=rng.randrange(-3, 15))
            term = item[5] if item[5] != 12 else rng.choice([12, 12, 12, 24, 6, 1])
            end = add_months(start, term) - timedelta(days=1) if term else start
            account = 58 if item[4] == "ratable" else 62
            out.append(
                (
                    sign * qty * price,
                    sign * qty,
                    price / 100,
                    item_id,
                    day_text(start),
                    day_text(end),
                    "F",
                    account,
                    item[2],
                )
            )
        if discount and out:
            first = out[0]
            cents = -round(first[0] * 0.1)  # opposite sign to the line it discounts
            out.append(
                (
                    cents,
                    None,
                    -abs(cents) / 100,
                    DISCOUNT_ITEM[0],
                    first[4],
                    first[5],
                    "F",
                    63,
                    "Partner discount 10%",
                )
            )
        return out

    @staticmethod
    def _source_lines(source: Document) -> list[tuple]:
        return [
            (
                round(ln["foreignamount"] * 100),
                ln["quantity"],
                ln["rate"],
                ln["item"],
                ln["revrecstartdate"],
                ln["revrecenddate"],
                "F",
                ln["account"],
                ln["memo"],
            )
            for ln in source.lines
            if ln["mainline"] == "F" and ln["taxline"] == "F" and ln["item"] != DISCOUNT_ITEM[0]
        ]

    def _line(self, header, n, cents, qty, price, item, start, end, taxline, account, memo):
        key, self.next_key = self.next_key, self.next_key + 1
        item_row = _ITEM_BY_ID.get(item or 0)
        segment = None if n == 0 or taxline == "T" else 1 + (header["id"] + n) % 3
        return {
            "uniquekey": key,
            "transaction": header["id"],
            "id": n,
            "linesequencenumber": n,
            "mainline": "T" if n == 0 else "F",
            "taxline": taxline,
            "item": item,
            "itemtype": item_row[3] if item_row else None,
            "quantity": float(qty) if qty is not None else None,
            "rate": price,
            "netamount": round(cents * header["exchangerate"]) / 100,
            "foreignamount": cents / 100,
            "debit": None,
            "credit": None,
            "account": account,
            "memo": memo,
            "entity": header["entity"],
            "subsidiary": 1,
            "department": segment,
            "class": segment,
            "location": segment,
            "createdfrom": header["createdfrom"],
            "revrecstartdate": start,
            "revrecenddate": end,
            "linelastmodifieddate": header["lastmodifieddate"],
        }


def generate_dataset(seed: int = 42, size: int | str = "small") -> Dataset:
    """A deterministic account: same seed and size give identical rows."""
    return Dataset(seed, size)

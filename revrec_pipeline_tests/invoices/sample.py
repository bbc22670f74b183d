"""Small hand-made NetSuite extracts shared by the invoice tests.

Amounts are GL-signed integer cents as the store holds them: invoice item lines negative, credit
memo item lines positive, an invoice discount line positive. The expected billing amounts in the
tests are written out by hand from the table below.

    doc  line  customer          item      qty     foreign cents  date        currency
    100  1     1 Acme Inc        SUB-PRO   -2      -10000         2026-01-15  USD
    100  2     1 Acme Inc        DISC      None    +1000          2026-01-15  USD
    100  3     1 Acme Inc        HW-1      -1      -5000          2026-01-15  USD
    101  1     2 Globex, Ltd.    SUB-PRO   -1.5    -7550          2026-02-28  EUR
    101  2     2 Globex, Ltd.    SETUP     -1      -20000         2026-02-28  EUR
    102  1     3 Jane Doe        SETUP     -1      -30000         2026-01-20  USD
    200  1     1 Acme Inc        SUB-PRO   1       +2500          2026-01-31  USD  (credit memo)
    201  1     3 Jane Doe        SUB-PRO   1       +1200          2026-02-10  USD  (credit memo)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd

from revrec_pipeline.invoices.billing import InvoiceLines, classify_lines
from revrec_pipeline.invoices.matching import match_customers
from revrec_pipeline.invoices.recon import recon_details, recon_summary
from revrec_pipeline.settings import parse_exclude_products

D = dt.date

# CRM names: "Globex, Ltd." in NetSuite does not match "Globex Ltd" (only a suggestion).
CRM = {"C1": "ACME  inc", "C2": "Globex Ltd", "C3": "Jane Doe"}


def netsuite_customers() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (1, "Acme Inc", False, None, None, "CUST-1", None),
            (2, "Globex, Ltd.", False, None, None, "CUST-2", None),
            (3, "Doe Consulting", True, "Jane", "Doe", "CUST-3", None),
        ],
        columns=[
            "id",
            "companyname",
            "isperson",
            "firstname",
            "lastname",
            "entityid",
            "externalid",
        ],
    )


def crm_customers(names: dict[str, str] | None = None) -> pd.DataFrame:
    names = CRM if names is None else names
    return pd.DataFrame({"customer_id": list(names), "customer_name": list(names.values())})


def headers() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (100, "CustInvc", "INV-100", D(2026, 1, 15), 1, "A", 1),
            (101, "CustInvc", "INV-101", D(2026, 2, 28), 2, "B", 2),
            (102, "CustInvc", "INV-102", D(2026, 1, 20), 3, "B", 1),
            (200, "CustCred", "CM-200", D(2026, 1, 31), 1, "B", 1),
            (201, "CustCred", "CM-201", D(2026, 2, 10), 3, "A", 1),
        ],
        columns=["id", "type", "tranid", "trandate", "entity", "status", "currency"],
    )


LINE_COLUMNS = [
    "transaction_id",
    "line_id",
    "item",
    "quantity",
    "foreign_amount_cents",
    "revrec_start_date",
    "revrec_end_date",
    "is_billing_line",
]


def lines() -> pd.DataFrame:
    """Billing lines only (is_billing_line true), as the table above."""
    return pd.DataFrame(
        [
            (100, 1, 10, Decimal("-2"), -10000, D(2026, 1, 1), D(2026, 12, 31), True),
            (100, 2, 12, None, 1000, None, None, True),
            (100, 3, 11, Decimal("-1"), -5000, None, None, True),
            (101, 1, 10, Decimal("-1.5"), -7550, D(2026, 3, 1), D(2027, 2, 28), True),
            (101, 2, 13, Decimal("-1"), -20000, None, None, True),
            (102, 1, 13, Decimal("-1"), -30000, None, None, True),
            (200, 1, 10, Decimal("1"), 2500, None, None, True),
            (201, 1, 10, Decimal("1"), 1200, None, None, True),
        ],
        columns=LINE_COLUMNS,
    )


def items() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (10, "SUB-PRO", "Pro Subscription", "Service"),
            (11, "HW-1", None, "InvtPart"),
            (12, "DISC", "Discount", "Discount"),
            (13, "SETUP", "Onboarding Fee", "Service"),
        ],
        columns=["id", "itemid", "displayname", "itemtype"],
    )


def currencies() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2], "symbol": ["USD", "EUR"]})


def exclude(name: str, *values: str):
    return parse_exclude_products(json.dumps({"product": {"name": name, "values": list(values)}}))


def classify(
    exclude_products=None, crm_names: dict[str, str] | None = None, **overrides
) -> InvoiceLines:
    frames = {
        "headers": headers(),
        "lines": lines(),
        "items": items(),
        "currencies": currencies(),
        **overrides,
    }
    matches = match_customers(netsuite_customers(), crm_customers(crm_names))
    return classify_lines(
        frames["headers"],
        frames["lines"],
        frames["items"],
        frames["currencies"],
        matches,
        exclude_products,
        frames.get("subsidiaries"),
    )


def workbook_frames(result: InvoiceLines, revrec: pd.DataFrame | None = None) -> dict:
    """The five tabs of SPEC §6 for a classification (RevRec side = its billing schedule)."""
    details = recon_details(result.all_lines, result.billing_schedule if revrec is None else revrec)
    return {
        "BillingSchedule": result.billing_schedule,
        "Product": result.product,
        "PendingData": result.pending_data,
        "ReconDetails_Invoice": details,
        "ReconSummary_Invoice": recon_summary(details),
    }

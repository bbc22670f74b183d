"""Small fixed tables of the fake account: items, accounts, currencies, segments, periods."""

from __future__ import annotations

from datetime import date, timedelta

# (id, itemid, displayname, itemtype, recognition, term months, list price in cents)
ITEMS = [
    (
        1,
        "Platform Subscription",
        "Platform Subscription (Annual)",
        "NonInvtPart",
        "ratable",
        12,
        1_200_00,
    ),
    (2, "Analytics Add-on", "Analytics Add-on (Annual)", "NonInvtPart", "ratable", 12, 450_00),
    (3, "API Access", "API Access Tier", "NonInvtPart", "ratable", 12, 300_00),
    (4, "Premium Support", "Premium Support (Annual)", "Service", "ratable", 12, 800_00),
    (5, "Implementation Services", "Implementation Services", "Service", "ratable", 3, 150_00),
    (6, "Training", "Training Day", "Service", "point_in_time", 0, 1_500_00),
    (7, "Setup Fee", "One-time Setup Fee", "OthCharge", "point_in_time", 0, 2_500_00),
    (8, "Travel Expenses", "Billable Travel", "OthCharge", "point_in_time", 0, 640_00),
    (9, "Legacy Support Plan", "Legacy Support Plan (retired)", "Service", "ratable", 12, 500_00),
    (10, "Partner Discount", "Partner Discount", "Discount", "point_in_time", 0, 0),
    (11, "Sales Tax", "Sales Tax", "TaxGroup", "point_in_time", 0, 0),
    # An inventory item posts COGS: each invoice line of it comes with a COGS pair.
    (12, "Hardware Token", "Hardware Security Token", "InvtPart", "point_in_time", 0, 45_00),
    # Structural items: they give an invoice its layout, never a billed amount.
    (13, "Subtotal", "Subtotal", "Subtotal", "point_in_time", 0, 0),
    (14, "Starter Bundle", "Starter Bundle", "Group", "point_in_time", 0, 0),
    (15, "Note", "Description line", "Description", "point_in_time", 0, 0),
    (16, "Shipping", "UPS Ground", "ShipItem", "point_in_time", 0, 25_00),
]
STRUCTURAL_TYPES = ("Subtotal", "Group", "EndGroup", "Description")
SELLABLE_ITEMS = [row for row in ITEMS if row[3] not in ("Discount", "TaxGroup", "ShipItem")]
SELLABLE_ITEMS = [row for row in SELLABLE_ITEMS if row[3] not in STRUCTURAL_TYPES]
DISCOUNT_ITEM = ITEMS[9]
TAX_ITEM = ITEMS[10]
INVENTORY_ITEM = ITEMS[11]
SUBTOTAL_ITEM, GROUP_ITEM, DESCRIPTION_ITEM, SHIPPING_ITEM = ITEMS[12:16]
GROUP_MEMBERS = (1, 5)  # what the Starter Bundle holds
ITEM_COST = {12: 18_00}  # cents per unit, for COGS
EXCLUDED_ITEM_NAME = "Legacy Support Plan"

# (id, acctnumber, name, accttype)
ACCOUNTS = [
    (1, "1100", "Accounts Receivable", "AcctRec"),
    (54, "1150", "Unbilled Receivable", "OthCurrAsset"),
    (58, "2400", "Deferred Revenue", "DeferRevenue"),
    (61, "4000", "Revenue", "Income"),
    (62, "4010", "Services Revenue", "Income"),
    (63, "4900", "Contra Revenue", "Income"),
    (70, "2200", "Sales Tax Payable", "OthCurrLiab"),
    (64, "4100", "Shipping Income", "Income"),
    (65, "5000", "Cost of Goods Sold", "COGS"),
    (66, "1300", "Inventory Asset", "OthCurrAsset"),
    (99, "4999", "Old Revenue (inactive)", "Income"),
]
INACTIVE_ACCOUNTS = {99}
ACCOUNT_ROLES = {
    "accounts_receivable": 1,
    "unbilled_receivable": 54,
    "deferred_revenue": 58,
    "revenue": 61,
    "services_revenue": 62,
    "contra_revenue": 63,
    "sales_tax_payable": 70,
    "shipping_income": 64,
    "cost_of_goods_sold": 65,
    "inventory_asset": 66,
    "inactive": 99,
}

# (id, symbol, name, typical rate to USD)
CURRENCIES = [
    (1, "USD", "US Dollar", 1.0),
    (2, "EUR", "Euro", 1.08),
    (3, "GBP", "British Pound", 1.27),
]
SUBSIDIARIES = [(1, "Parent Company", 1), (2, "Parent Company : EMEA Ltd", 3)]
DEPARTMENTS = [(1, "Sales"), (2, "Professional Services"), (3, "Customer Success")]
CLASSES = [(1, "Subscription"), (2, "Services"), (3, "Other")]
LOCATIONS = [(1, "US West"), (2, "US East"), (3, "Europe")]

FIRST_PERIOD_YEAR, LAST_PERIOD_YEAR = 2024, 2027
FIRST_OPEN_MONTH = date(2025, 1, 1)  # months before this are closed


def day_text(d: date) -> str:
    """Dates are stored as midnight datetimes so they compare with TO_DATE/TO_TIMESTAMP."""
    return f"{d.isoformat()} 00:00:00"


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    days = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return date(year, month, min(d.day, days[month - 1]))


def period_rows() -> list[dict]:
    """Year, quarter and month rows 2024..2027; months before 2025-01 closed and locked."""
    rows: list[dict] = []
    next_id = 1
    for year in range(FIRST_PERIOD_YEAR, LAST_PERIOD_YEAR + 1):
        year_id = next_id
        rows.append(_period(year_id, f"FY {year}", date(year, 1, 1), date(year, 12, 31), "year"))
        next_id += 1
        for quarter in range(4):
            q_start = date(year, quarter * 3 + 1, 1)
            q_end = add_months(q_start, 3) - timedelta(days=1)
            q_id = next_id
            rows.append(_period(q_id, f"Q{quarter + 1} {year}", q_start, q_end, "quarter", year_id))
            next_id += 1
            for m in range(3):
                start = add_months(q_start, m)
                end = add_months(start, 1) - timedelta(days=1)
                name = start.strftime("%b %Y")
                rows.append(_period(next_id, name, start, end, "month", q_id))
                next_id += 1
    return rows


def _period(pid: int, name: str, start: date, end: date, kind: str, parent=None) -> dict:
    closed = "T" if end < FIRST_OPEN_MONTH else "F"
    return {
        "id": pid,
        "periodname": name,
        "startdate": day_text(start),
        "enddate": day_text(end),
        "closed": closed,
        "alllocked": closed,
        "arlocked": closed,
        "aplocked": closed,
        "isposting": "T" if kind == "month" else "F",
        "isquarter": "T" if kind == "quarter" else "F",
        "isyear": "T" if kind == "year" else "F",
        "isadjust": "F",
        "isinactive": "F",
        "parent": parent,
    }


def reference_tables() -> dict[str, list[dict]]:
    """Every small table keyed by its SuiteQL table name."""
    fixed = "2024-01-02 08:00:00"
    named = lambda rows: [  # noqa: E731 - tiny local shape helper
        {"id": i, "name": n, "fullname": n, "isinactive": "F"} for i, n in rows
    ]
    return {
        "item": [
            {
                "id": i,
                "itemid": code,
                "displayname": name,
                "fullname": code,
                "itemtype": kind,
                "description": name,
                "isinactive": "F",
                "lastmodifieddate": fixed,
            }
            for i, code, name, kind, *_ in ITEMS
        ],
        "account": [
            {
                "id": i,
                "acctnumber": num,
                "accountsearchdisplayname": f"{num} {name}",
                "fullname": name,
                "accttype": kind,
                "isinactive": "T" if i in INACTIVE_ACCOUNTS else "F",
            }
            for i, num, name, kind in ACCOUNTS
        ],
        "currency": [
            {
                "id": i,
                "symbol": sym,
                "name": name,
                "isbasecurrency": "T" if i == 1 else "F",
                "exchangerate": rate,
                "isinactive": "F",
            }
            for i, sym, name, rate in CURRENCIES
        ],
        "subsidiary": [
            {
                "id": i,
                "name": name.split(" : ")[-1],
                "fullname": name,
                "currency": cur,
                "parent": None if i == 1 else 1,  # every other one sits under the parent
                "iselimination": "F",
                "isinactive": "F",
            }
            for i, name, cur in SUBSIDIARIES
        ],
        "department": named(DEPARTMENTS),
        "classification": named(CLASSES),
        "location": named(LOCATIONS),
        "accountingperiod": period_rows(),
    }

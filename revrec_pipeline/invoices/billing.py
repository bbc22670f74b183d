"""Billing schedule, product list and pending data from the extracted NetSuite lines (SPEC §6).

Only billing lines count (SPEC §4: `is_billing_line`, decided in NetSuite by the extract's
query). Structural, COGS and technical lines stay in the store for audit and are counted
nowhere. Every billing line lands in exactly one of three places: the billing schedule (its
customer maps to a CRM customer and its product is not excluded), pending data (no CRM
customer), or excluded (its product is excluded). Amounts stay integer cents; the billing
amount is minus NetSuite's GL-signed `foreignamount`, so invoices show positive, credit memos
negative, and a discount line keeps its own sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from revrec_pipeline.settings import ExcludeProducts

INVOICE, CREDIT_MEMO = "CustInvc", "CustCred"
DOCUMENT_TYPES = {INVOICE: "Invoice", CREDIT_MEMO: "Credit Memo"}
STATUSES = {
    (INVOICE, "A"): "Open",
    (INVOICE, "B"): "Paid In Full",
    (CREDIT_MEMO, "A"): "Open",
    (CREDIT_MEMO, "B"): "Fully Applied",
}

LINE_COLUMNS = [
    "netsuite_customer_id",
    "netsuite_customer_name",
    "customer_id",
    "customer_name",
    "document_type",
    "document_number",
    "netsuite_id",
    "line_id",
    "document_date",
    "period",
    "item_id",
    "product_code",
    "product_name",
    "quantity",
    "amount_cents",
    "currency",
    "service_start_date",
    "service_end_date",
    "status",
    # OneWorld (SPEC §12): the document's subsidiary; empty in an account without it.
    "subsidiary_id",
    "subsidiary_name",
]
BILLING_COLUMNS = [c for c in LINE_COLUMNS if c not in ("item_id",)]
PENDING_COLUMNS = [*BILLING_COLUMNS, "reason", "suggestion"]
PRODUCT_COLUMNS = ["product_code", "product_name", "item_type", "netsuite_id", "excluded"]


@dataclass(frozen=True)
class InvoiceLines:
    """Every pulled item line, classified."""

    billing_schedule: pd.DataFrame  # BILLING_COLUMNS
    pending_data: pd.DataFrame  # PENDING_COLUMNS
    excluded: pd.DataFrame  # LINE_COLUMNS
    all_lines: pd.DataFrame  # LINE_COLUMNS + "class" in {billing, pending, excluded}
    product: pd.DataFrame  # PRODUCT_COLUMNS


def _negate(value):
    """Quantities carry NetSuite's GL sign too; None (no quantity) stays None."""
    return None if value is None or value != value else -value


class BillingInputError(ValueError):
    """The extracted data cannot be billed as it is; the message is one sentence."""


def single_currency(currencies: pd.DataFrame) -> str:
    """The account's one currency, for documents that carry none (no Multiple Currencies)."""
    if len(currencies) == 1:
        return str(currencies["symbol"].iloc[0])
    found = ", ".join(sorted(map(str, currencies["symbol"]))) or "none"
    raise BillingInputError(
        "NetSuite's documents carry no currency (the account has no Multiple Currencies "
        f"feature) but its currency list holds {len(currencies)} currencies ({found}), so the "
        "documents' currency cannot be told; run a sync again to refresh the currency list, or "
        "`revrec connect` to re-profile the account."
    )


def excluded_item_ids(items: pd.DataFrame, exclude: ExcludeProducts | None) -> set[int]:
    if exclude is None or items.empty:
        return set()
    values = items[exclude.field].isin(exclude.values)
    return set(items.loc[values, "id"].astype(int))


def product_table(items: pd.DataFrame, excluded: set[int]) -> pd.DataFrame:
    product = pd.DataFrame(
        {
            "product_code": items["itemid"],
            "product_name": items["displayname"].fillna(items["itemid"]),
            "item_type": items["itemtype"],
            "netsuite_id": items["id"].astype("int64"),
            "excluded": items["id"].isin(excluded).map({True: "yes", False: "no"}),
        }
    )
    return product.sort_values("product_code", kind="stable").reset_index(drop=True)


def _subsidiary_columns(frame: pd.DataFrame, subsidiaries: pd.DataFrame | None) -> dict:
    """Each line's document subsidiary (id and name); empty without OneWorld."""
    ids = (
        frame["subsidiary"].astype("Int64")
        if "subsidiary" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    )
    names = {}
    if subsidiaries is not None and len(subsidiaries):
        names = dict(zip(subsidiaries["id"].astype(int), subsidiaries["name"], strict=True))
    return {
        "subsidiary_id": ids,
        "subsidiary_name": [None if pd.isna(i) else names.get(int(i)) for i in ids],
    }


def classify_lines(
    headers: pd.DataFrame,
    lines: pd.DataFrame,
    items: pd.DataFrame,
    currencies: pd.DataFrame,
    matches: pd.DataFrame,
    exclude: ExcludeProducts | None = None,
    subsidiaries: pd.DataFrame | None = None,
) -> InvoiceLines:
    """Join lines to their documents, items and customers, and sort each into its place.

    headers: id, type, tranid, trandate, entity, status, currency (None in an account without
             Multiple Currencies: its documents are in its one currency)
    lines: transaction_id, line_id, item, quantity, foreign_amount_cents, revrec_start_date,
           revrec_end_date, is_billing_line (lines where it is false are counted nowhere)
    items: id, itemid, displayname, itemtype; currencies: id, symbol; matches: match_customers()
    subsidiaries (OneWorld): id, name; headers then carry `subsidiary` (the mainline's)
    """
    excluded_ids = excluded_item_ids(items, exclude)
    lines = lines[lines["is_billing_line"].astype(bool)]
    frame = lines.merge(
        headers.rename(columns={"id": "transaction_id"}), on="transaction_id", how="inner"
    )
    item_names = items.set_index("id")
    frame["product_code"] = frame["item"].map(item_names["itemid"])
    frame["product_name"] = (
        frame["item"].map(item_names["displayname"]).fillna(frame["product_code"])
    )
    frame["currency_code"] = frame["currency"].map(currencies.set_index("id")["symbol"])
    without = frame["currency"].isna()
    if without.any():  # an account without Multiple Currencies: documents carry none
        frame.loc[without, "currency_code"] = single_currency(currencies)
    by_customer = matches.set_index("netsuite_customer_id")
    for column in (
        "netsuite_customer_name",
        "customer_id",
        "customer_name",
        "reason",
        "suggestion",
    ):
        frame[column] = frame["entity"].map(by_customer[column])
    missing_customer = frame["netsuite_customer_name"].isna()
    frame.loc[missing_customer, "reason"] = "NetSuite customer not extracted yet"

    out = pd.DataFrame(
        {
            "netsuite_customer_id": frame["entity"].astype("int64"),
            "netsuite_customer_name": frame["netsuite_customer_name"].fillna(""),
            "customer_id": frame["customer_id"],
            "customer_name": frame["customer_name"],
            "document_type": frame["type"].map(DOCUMENT_TYPES),
            "document_number": frame["tranid"],
            "netsuite_id": frame["transaction_id"].astype("int64"),
            "line_id": frame["line_id"].astype("int64"),
            "document_date": frame["trandate"],
            "period": pd.to_datetime(frame["trandate"]).dt.strftime("%Y-%m"),
            "item_id": frame["item"],
            "product_code": frame["product_code"],
            "product_name": frame["product_name"],
            "quantity": frame["quantity"].map(_negate),
            "amount_cents": -frame["foreign_amount_cents"].astype("int64"),
            "currency": frame["currency_code"],
            "service_start_date": frame["revrec_start_date"],
            "service_end_date": frame["revrec_end_date"],
            "status": [
                STATUSES.get((t, s), s or "")
                for t, s in zip(frame["type"], frame["status"], strict=True)
            ],
            **_subsidiary_columns(frame, subsidiaries),
        }
    )
    is_excluded = frame["item"].isin(excluded_ids).to_numpy()
    is_pending = (~is_excluded) & frame["customer_id"].isna().to_numpy()
    out["class"] = "billing"
    out.loc[is_pending, "class"] = "pending"
    out.loc[is_excluded, "class"] = "excluded"
    out = out.sort_values(["netsuite_id", "line_id"], kind="stable").reset_index(drop=True)
    reasons = frame.set_index(["transaction_id", "line_id"])[["reason", "suggestion"]]

    billing = out.loc[out["class"] == "billing", BILLING_COLUMNS].reset_index(drop=True)
    pending = out.loc[out["class"] == "pending", BILLING_COLUMNS].reset_index(drop=True)
    keyed = reasons.reindex(pd.MultiIndex.from_frame(pending[["netsuite_id", "line_id"]]))
    pending["reason"] = keyed["reason"].to_numpy()
    pending["suggestion"] = keyed["suggestion"].to_numpy()
    excluded = out.loc[out["class"] == "excluded", LINE_COLUMNS].reset_index(drop=True)
    return InvoiceLines(
        billing_schedule=billing,
        pending_data=pending,
        excluded=excluded,
        all_lines=out,
        product=product_table(items, excluded_ids),
    )

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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
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


def _take(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """The column's values at `positions`, same dtype, new RangeIndex (no index copies)."""
    return pd.Series(column.array.take(positions), copy=False)


def _frame(columns: Iterable[tuple[str, pd.Series | list]]) -> pd.DataFrame:
    """A frame built one column at a time, each made only when the last is in: pandas keeps
    them apart rather than copying all into one block while every part is still alive."""
    frame = None
    for name, values in columns:
        if frame is None:
            frame = pd.DataFrame(index=pd.RangeIndex(len(values)))
        frame[name] = values
    return frame


def _rows(frame: pd.DataFrame, selected: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """frame.loc[selected, columns].reset_index(drop=True), one column at a time."""
    positions = np.flatnonzero(selected)
    return _frame((column, _take(frame[column], positions)) for column in columns)


def _negate_each(quantities: pd.Series) -> pd.Series:
    """`_negate` of each quantity, once per distinct quantity object: the store's reader shares
    equal amounts (`store.db.read_frame`), so a million lines share a few hundred results."""
    negated: dict[int, tuple] = {}  # by identity; holding the value keeps its id its own

    def negate(value):
        known = negated.get(id(value))
        if known is None:
            known = negated[id(value)] = (value, _negate(value))
        return known[1]

    return quantities.map(negate)


def _document_columns(
    headers: pd.DataFrame,
    currencies: pd.DataFrame,
    matches: pd.DataFrame,
    subsidiaries: pd.DataFrame | None,
) -> dict[str, pd.Series]:
    """What a line takes from its document, computed once per document (5 lines each, on
    average): customer and match, type, number, date and period, currency, status, subsidiary."""
    by_customer = matches.set_index("netsuite_customer_id")
    columns = {
        column: headers["entity"].map(by_customer[column])
        for column in (
            "netsuite_customer_name",
            "customer_id",
            "customer_name",
            "reason",
            "suggestion",
        )
    }
    columns["reason"] = columns["reason"].mask(
        columns["netsuite_customer_name"].isna(), "NetSuite customer not extracted yet"
    )
    ids = (
        headers["subsidiary"].astype("Int64")
        if "subsidiary" in headers
        else pd.Series(pd.NA, index=headers.index, dtype="Int64")
    )
    names = {}
    if subsidiaries is not None and len(subsidiaries):
        names = dict(zip(subsidiaries["id"].astype(int), subsidiaries["name"], strict=True))
    return {
        **columns,
        "document_type": headers["type"].map(DOCUMENT_TYPES),
        "document_number": headers["tranid"],
        "document_date": headers["trandate"],
        "period": pd.to_datetime(headers["trandate"]).dt.strftime("%Y-%m"),
        "currency": headers["currency"].map(currencies.set_index("id")["symbol"]),
        "status": pd.Series(
            [
                STATUSES.get((t, s), s or "")
                for t, s in zip(headers["type"], headers["status"], strict=True)
            ],
            index=headers.index,
            dtype=object,
        ),
        # OneWorld (SPEC §12): the document's subsidiary; empty in an account without it.
        "subsidiary_id": ids,
        "subsidiary_name": pd.Series(
            [None if pd.isna(i) else names.get(int(i)) for i in ids],
            index=headers.index,
            dtype=object,
        ),
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

    Built by position, with no joined frame: each kept line's document row is looked up once,
    what a line takes from its document is computed per document (5 lines each, on average),
    and the columns go into the frame one at a time, so a million lines need one frame of
    pointers at a time, not the four a join, a frame, a sorted copy and its parts would.
    """
    excluded_ids = excluded_item_ids(items, exclude)
    document_of = pd.Index(headers["id"]).get_indexer(lines["transaction_id"])
    keep = np.flatnonzero(lines["is_billing_line"].astype(bool).to_numpy() & (document_of >= 0))
    # (document, line) order: unique keys, so this is the order any stable sort gives.
    order = np.lexsort(
        (lines["line_id"].to_numpy()[keep], lines["transaction_id"].to_numpy()[keep])
    )
    rows = keep[order]
    documents = document_of[rows]
    del document_of, keep, order

    of_document = _document_columns(headers, currencies, matches, subsidiaries)
    no_currency = headers["currency"].isna()
    if no_currency.to_numpy()[documents].any():  # no Multiple Currencies: documents carry none
        only = single_currency(currencies)
        of_document["currency"] = of_document["currency"].mask(no_currency, only)
    item = _take(lines["item"], rows)
    item_names = items.set_index("id")
    product_code = item.map(item_names["itemid"])
    computed = {
        "netsuite_customer_id": lambda: _take(headers["entity"], documents).astype("int64"),
        "netsuite_customer_name": lambda: _take(
            of_document["netsuite_customer_name"], documents
        ).fillna(""),
        "netsuite_id": lambda: _take(lines["transaction_id"], rows).astype("int64"),
        "line_id": lambda: _take(lines["line_id"], rows).astype("int64"),
        "item_id": lambda: item,
        "product_code": lambda: product_code,
        "product_name": lambda: item.map(item_names["displayname"]).fillna(product_code),
        "quantity": lambda: _negate_each(_take(lines["quantity"], rows)),
        "amount_cents": lambda: -_take(lines["foreign_amount_cents"], rows).astype("int64"),
        "service_start_date": lambda: _take(lines["revrec_start_date"], rows),
        "service_end_date": lambda: _take(lines["revrec_end_date"], rows),
        # Lists, as before: pandas infers their dtype (float64 when there are no lines).
        "status": lambda: _take(of_document["status"], documents).tolist(),
        "subsidiary_name": lambda: _take(of_document["subsidiary_name"], documents).tolist(),
    }
    out = _frame(
        (
            column,
            computed[column]() if column in computed else _take(of_document[column], documents),
        )
        for column in LINE_COLUMNS
    )
    is_excluded = item.isin(excluded_ids).to_numpy()
    is_pending = (~is_excluded) & out["customer_id"].isna().to_numpy()
    classes = np.full(len(out), "billing", dtype=object)  # three shared strings
    classes[is_pending] = "pending"
    classes[is_excluded] = "excluded"
    out["class"] = classes
    del computed

    billing = _rows(out, classes == "billing", BILLING_COLUMNS)
    pending = _rows(out, is_pending, BILLING_COLUMNS)
    for column in ("reason", "suggestion"):
        pending[column] = of_document[column].to_numpy()[documents[is_pending]]
    excluded = _rows(out, is_excluded, LINE_COLUMNS)
    return InvoiceLines(
        billing_schedule=billing,
        pending_data=pending,
        excluded=excluded,
        all_lines=out,
        product=product_table(items, excluded_ids),
    )

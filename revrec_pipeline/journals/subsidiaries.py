"""Which subsidiary each sales order line belongs to (OneWorld, SPEC §12): the line's own
`subsidiary` when the CRM file names one, else the primary subsidiary of the NetSuite customer
its CRM customer matches. Pure: the caller passes what the store knows."""

from __future__ import annotations

from collections.abc import Mapping, Set

import pandas as pd


def order_subsidiaries(
    orders: pd.DataFrame,
    customer_subsidiaries: Mapping[str, Set[int]],
    only: int | None = None,
) -> pd.Series:
    """Each order line's subsidiary as text ("" when it cannot be told: no match, or matches in
    several subsidiaries). `customer_subsidiaries`: CRM customer id → primary subsidiaries of
    the NetSuite customers it matches; `only`: the account's one operating subsidiary, which
    every line belongs to when it has just one."""
    explicit = (
        orders["subsidiary"] if "subsidiary" in orders else pd.Series(None, index=orders.index)
    )
    out = []
    for customer_id, own in zip(orders["customer_id"], explicit, strict=True):
        if own is not None and not pd.isna(own):
            out.append(str(int(own)))
            continue
        primary = customer_subsidiaries.get(customer_id, set())
        if len(primary) == 1:
            out.append(str(next(iter(primary))))
        else:
            out.append(str(only) if only is not None and not primary else "")
    return pd.Series(out, index=orders.index, dtype=object)


def unresolved_problem(
    orders: pd.DataFrame, customer_subsidiaries: Mapping[str, Set[int]], limit: int = 5
) -> str | None:
    """In a OneWorld account every order line needs a subsidiary: one sentence naming the
    lines (with why) that have none, or None."""
    missing = orders[orders["subsidiary"] == ""]
    if missing.empty:
        return None
    named = []
    for row in missing.head(limit).itertuples(index=False):
        primary = customer_subsidiaries.get(row.customer_id, set())
        why = (
            f"its customer {row.customer_id} matches NetSuite customers in subsidiaries "
            f"{', '.join(str(s) for s in sorted(primary))}"
            if primary
            else f"its customer {row.customer_id} matches no NetSuite customer"
        )
        named.append(f"{row.order_number} line {row.order_item_number} ({why})")
    more = f" and {len(missing) - limit} more" if len(missing) > limit else ""
    return (
        f"The NetSuite account has subsidiaries (OneWorld) but {len(missing)} sales order "
        f"line(s) have none: {'; '.join(named)}{more}; set their subsidiary column in the CRM "
        "sales orders file (the NetSuite subsidiary's internal id)."
    )

"""Totals of the invoice flow's tables per currency, in integer cents (reported as metadata)."""

from __future__ import annotations

import pandas as pd


def cents_by_currency(
    frame: pd.DataFrame, cents: str = "amount_cents", currency: str = "currency"
) -> dict[str, int]:
    """Sum of `cents` per `currency`; a row without a currency is counted under "unknown"."""
    if frame.empty:
        return {}
    currencies = frame[currency].fillna("unknown").astype(str)
    sums = frame[cents].astype("int64").groupby(currencies).sum()
    return {str(c): int(v) for c, v in sums.items()}


def absolute_cents_by_currency(
    frame: pd.DataFrame, cents: str, currency: str = "currency"
) -> dict[str, int]:
    """Sum of |`cents`| per currency: 0 exactly when every row is 0 (differences cannot cancel)."""
    if frame.empty:
        return {}
    return cents_by_currency(frame.assign(**{cents: frame[cents].abs()}), cents, currency)


def most_recent_first(frame: pd.DataFrame, period: str, *then: str) -> pd.DataFrame:
    """Rows by `period` (YYYY-MM) descending, then `then` ascending; rows without one last."""
    if frame.empty:
        return frame
    return frame.sort_values(
        [period, *then],
        ascending=[False, *([True] * len(then))],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)


def most_recent_documents_first(lines: pd.DataFrame) -> pd.DataFrame:
    """Billing or pending lines, latest document date first, then document and line."""
    if lines.empty:
        return lines
    return lines.sort_values(
        ["document_date", "netsuite_id", "line_id"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)


def differences_first(details: pd.DataFrame) -> pd.DataFrame:
    """Recon details with the rows that do not reconcile first, each part most recent first."""
    if details.empty:
        return details
    ordered = most_recent_first(details, "period", "netsuite_customer_name", "currency")
    failing = ordered["difference_cents"] != 0
    return pd.concat([ordered[failing], ordered[~failing]], ignore_index=True)


def totals_by_period(lines: pd.DataFrame) -> pd.DataFrame:
    """period, currency, lines, amount_cents: billing or pending lines summed, most recent first."""
    if lines.empty:
        return pd.DataFrame(columns=["period", "currency", "lines", "amount_cents"])
    grouped = lines.groupby(["period", "currency"], dropna=False)["amount_cents"]
    totals = grouped.agg(lines="size", amount_cents="sum").reset_index()
    return most_recent_first(totals, "period", "currency")

"""Revenue recognition of CRM sales order lines (SPEC §7).

`ratable` lines recognize daily over [start, end] inclusive. The cumulative amount through each
period end is rounded to the cent (half away from zero, in exact integer arithmetic) and
differenced, so the periods always sum exactly to the line amount. `point_in_time` lines
recognize everything in the period of their start date.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from revrec_pipeline.journals.periods import period_end, period_of, periods_between

RATABLE, POINT_IN_TIME = "ratable", "point_in_time"
SCHEDULE_COLUMNS = [
    "customer_id",
    "order_number",
    "order_item_number",
    "product_code",
    "currency",
    "period",
    "revenue_cents",
]


def _round_ratio(amount: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """round(amount × numerator ÷ denominator) half away from zero, exactly, in int64."""
    magnitude = (np.abs(amount) * numerator * 2 + denominator) // (2 * denominator)
    return np.sign(amount) * magnitude


def cumulative_recognized(
    amount_cents: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    point_in_time: np.ndarray,
    through: date,
) -> np.ndarray:
    """Cents recognized from each line's start through `through` (inclusive), vectorized.

    Dates are numpy datetime64[D] arrays. Exact for lines up to ~10^12 cents × 10^4 days.
    """
    cutoff = np.datetime64(through, "D")
    total_days = (end - start).astype("int64") + 1
    elapsed = np.clip((cutoff - start).astype("int64") + 1, 0, total_days)
    ratable = _round_ratio(amount_cents, elapsed, total_days)
    instant = np.where(start <= cutoff, amount_cents, 0)
    return np.where(point_in_time, instant, ratable)


def recognize_line(
    amount_cents: int, start: date, end: date, method: str = RATABLE
) -> dict[str, int]:
    """Cents per period for one line: the reference for the vectorized schedule."""
    if method == POINT_IN_TIME:
        return {period_of(start): amount_cents}
    out: dict[str, int] = {}
    before = 0
    for period in periods_between(period_of(start), period_of(end)):
        cumulative = int(
            cumulative_recognized(
                np.array([amount_cents]),
                np.array([start], dtype="datetime64[D]"),
                np.array([end], dtype="datetime64[D]"),
                np.array([False]),
                period_end(period),
            )[0]
        )
        out[period] = cumulative - before
        before = cumulative
    return out


def cumulative_by_period(orders: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Per order line, cumulative cents recognized at the end of each period (wide frame)."""
    amount = orders["amount_cents"].to_numpy(dtype="int64")
    start = pd.to_datetime(orders["service_start_date"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(orders["service_end_date"]).to_numpy().astype("datetime64[D]")
    instant = (orders["recognition"] == POINT_IN_TIME).to_numpy()
    columns = {
        period: cumulative_recognized(amount, start, end, instant, period_end(period))
        for period in periods
    }
    return pd.DataFrame(columns, index=orders.index)


def revenue_schedule(orders: pd.DataFrame, first: str | None = None, last: str | None = None):
    """Long frame: revenue per order line and period (only non-zero periods).

    `orders`: customer_id, order_number, order_item_number, product_code, currency,
    service_start_date, service_end_date, amount_cents, recognition.

    Only the non-zero (line, period) cells are ever made rows: an order line recognizes in a
    few of the periods asked for, so the long frame is built at its final size.
    """
    if orders.empty:
        return pd.DataFrame(columns=SCHEDULE_COLUMNS)
    first = first or period_of(pd.to_datetime(orders["service_start_date"]).min().date())
    last = last or period_of(pd.to_datetime(orders["service_end_date"]).max().date())
    periods = periods_between(first, last)
    cumulative = cumulative_by_period(orders, periods)
    # Per-period amounts: difference of cumulative columns (the first against zero).
    amounts = np.diff(cumulative.to_numpy(), axis=1, prepend=0)
    del cumulative
    # Period by period, lines in their order: the order a melt of every cell would keep.
    period_index, line_index = np.nonzero(amounts.T)
    keys = ["customer_id", "order_number", "order_item_number", "product_code", "currency"]
    long = pd.DataFrame(
        {
            **{key: orders[key].array.take(line_index) for key in keys},
            "period": np.array(periods, dtype=object)[period_index],
            "revenue_cents": amounts[line_index, period_index].astype("int64"),
        }
    )
    return long.sort_values(
        ["customer_id", "order_number", "order_item_number", "period"], kind="stable"
    ).reset_index(drop=True)[SCHEDULE_COLUMNS]

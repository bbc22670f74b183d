"""The deferred revenue waterfall and remaining performance obligation (SPEC §11), as plain data.

As of a period P's end, from the CRM sales order lines and the loaded billing schedule (as
`store.journals.read_journal_inputs` gives them, i.e. the data as it is now):

- per customer, currency and product: contract value (the sum of the order lines' amounts),
  recognized to date (cumulative recognition through P's end, `recognition.cumulative_by_period`,
  the same figure the revenue journals use), recognition still to come in each of the 12 periods
  after P, and the rest "later" (contract − recognized − the 12 months; it includes lines that
  start after those 12 months);
- per customer and currency, with CB = cumulative billed and CR = cumulative recognized through
  P's end (`entries.cumulative_targets`, so the very figures the journals are built from):
  deferred revenue = max(CB − CR, 0), unbilled receivable = max(CR − CB, 0);
- per currency: RPO = contract value − recognized to date, cRPO = its next-12-months part.

Balances and the posted journals. The balances are computed over *all* activity, also what lies
before go-live. The journals carry only activity from go-live on: each closed period posts its
cumulative target through its end minus the target before go-live minus what earlier periods
posted (`entries.period_details`). Per event, the posted amounts of periods go-live..P therefore
add up to target(P) − target(go-live − 1) as the data stood when P's plan was frozen. On the
deferred revenue account (credited by billing and unbilled, debited by revenue) the posted net
credit is Σ(CB − CR + max(CR − CB, 0)) = Σ max(CB − CR, 0) differenced, so, per customer and
currency (and summed, per currency, on the mapped accounts):

    deferred(P) = deferred(go-live − 1) + net credit posted to Deferred Revenue, periods ≤ P
    unbilled(P) = unbilled(go-live − 1) + net debit posted to Unbilled Receivable, periods ≤ P

where deferred(go-live − 1) and unbilled(go-live − 1) are the opening balances at go-live (the
same formulas at the end of the period before go-live: booked before RevRec, never posted by it).
The relation is exact while the data through P is what P's plan was frozen from; a later change
(an edited prior-period invoice, a corrected order) shows here at once and is posted as catch-up
by the next close. Only entries NetSuite holds as posted count (not pending approval).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from revrec_pipeline.journals.entries import (
    BALANCE_KEY,
    POSTED,
    TARGET_KEY,
    JournalEntry,
    cumulative_targets,
    with_subsidiary,
)
from revrec_pipeline.journals.periods import next_period, previous_period
from revrec_pipeline.journals.recognition import cumulative_by_period

MONTHS = 12
LINE_TOTALS = ["contract_cents", "recognized_cents"]
BALANCE_COLUMNS = [
    *BALANCE_KEY,
    "billed_cents",
    "recognized_cents",
    "deferred_cents",
    "unbilled_cents",
]
RPO_COLUMNS = [
    "currency",
    "contract_cents",
    "recognized_cents",
    "rpo_cents",
    "crpo_cents",
    "deferred_cents",
    "unbilled_cents",
]


@dataclass(frozen=True)
class Waterfall:
    """`lines`: TARGET_KEY, contract_cents, recognized_cents, one column per future period
    (`months`, named YYYY-MM), later_cents. `balances`: BALANCE_COLUMNS. `rpo`: RPO_COLUMNS.
    Every amount is integer cents (int64)."""

    period: str
    months: tuple[str, ...]
    lines: pd.DataFrame
    balances: pd.DataFrame
    rpo: pd.DataFrame

    def totals(self, column: str) -> dict[str, int]:
        """Currency → integer cents of an `rpo` column (deferred_cents, rpo_cents, …)."""
        return {row.currency: int(getattr(row, column)) for row in self.rpo.itertuples()}


def future_periods(period: str, months: int = MONTHS) -> list[str]:
    out, current = [], period
    for _ in range(months):
        current = next_period(current)
        out.append(current)
    return out


def _lines(orders: pd.DataFrame, period: str, months: list[str]) -> pd.DataFrame:
    columns = [*TARGET_KEY, *LINE_TOTALS, *months, "later_cents"]
    amounts = columns[len(TARGET_KEY) :]
    if orders.empty:
        return pd.DataFrame(columns=columns).astype({c: "int64" for c in amounts})
    orders = with_subsidiary(orders)
    cumulative = cumulative_by_period(orders, [period, *months])
    frame = orders[TARGET_KEY].copy()
    frame["contract_cents"] = orders["amount_cents"].astype("int64")
    frame["recognized_cents"] = cumulative[period]
    before = cumulative[period]
    for month in months:
        frame[month] = cumulative[month] - before
        before = cumulative[month]
    frame["later_cents"] = frame["contract_cents"] - before
    grouped = frame.groupby(TARGET_KEY, as_index=False)[amounts].sum()
    return grouped.astype({c: "int64" for c in amounts}).sort_values(TARGET_KEY)[columns]


def balances(billing: pd.DataFrame, orders: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per customer, currency and subsidiary: CB, CR, deferred = max(CB − CR, 0), unbilled = max(CR − CB, 0),
    through `period`'s end, over all activity (from `entries.cumulative_targets`)."""
    targets = cumulative_targets(billing, orders, period)
    wide = (
        targets.groupby([*BALANCE_KEY, "event"], dropna=False)["amount_cents"]
        .sum()
        .unstack("event")
        .reindex(columns=["billing", "revenue", "unbilled"])
        .fillna(0)
        .astype("int64")
    )
    frame = pd.DataFrame(
        {
            "billed_cents": wide["billing"],
            "recognized_cents": wide["revenue"],
            "deferred_cents": (wide["billing"] - wide["revenue"]).clip(lower=0),
            "unbilled_cents": wide["unbilled"],
        }
    ).reset_index()
    return frame.sort_values(BALANCE_KEY, kind="stable").reset_index(drop=True)[BALANCE_COLUMNS]


def deferred_revenue_waterfall(
    billing: pd.DataFrame, orders: pd.DataFrame, period: str, months: int = MONTHS
) -> Waterfall:
    """The waterfall as of `period`'s end (see the module docstring for every definition)."""
    future = future_periods(period, months)
    lines = _lines(orders, period, future)
    balance = balances(billing, orders, period)
    per_currency = lines.groupby("currency")[[*LINE_TOTALS, *future]].sum()
    rpo = pd.DataFrame(
        {
            "contract_cents": per_currency["contract_cents"],
            "recognized_cents": per_currency["recognized_cents"],
            "rpo_cents": per_currency["contract_cents"] - per_currency["recognized_cents"],
            "crpo_cents": per_currency[future].sum(axis=1),
        }
    )
    sheet = balance.groupby("currency")[["deferred_cents", "unbilled_cents"]].sum()
    rpo = rpo.join(sheet, how="outer").fillna(0).astype("int64").reset_index()
    rpo = rpo.rename(columns={"index": "currency"}).sort_values("currency")
    return Waterfall(
        period,
        tuple(future),
        lines.reset_index(drop=True),
        balance,
        rpo.reset_index(drop=True)[RPO_COLUMNS],
    )


def opening_balances(billing: pd.DataFrame, orders: pd.DataFrame, go_live: str) -> pd.DataFrame:
    """The balances at go-live: booked before RevRec, never in its journals."""
    return balances(billing, orders, previous_period(go_live))


def posted_account_net(
    plan: Iterable[tuple[JournalEntry, dict]], account_ids: Iterable[str]
) -> dict[str, int]:
    """Currency → debits − credits, in cents, that posted entries hold on `account_ids`.

    `plan`: (entry, posting state) as `store.journals.read_plan` gives them; entries not posted
    (planned, failed, pending approval) do not count."""
    accounts = set(account_ids)
    net: dict[str, int] = defaultdict(int)
    for entry, state in plan:
        if state["status"] != POSTED:
            continue
        for line in entry.lines:
            if line.account_id in accounts:
                net[entry.currency] += line.debit_cents - line.credit_cents
    return dict(net)

"""Journal entries for a closed period (SPEC §7), as plain data.

Per customer, currency, subsidiary (OneWorld, SPEC §12; "" without it) and product, with CB = cumulative billed and CR = cumulative recognized
at a period's end, the cumulative targets are

    billing  = CB                  Dr Contra Revenue     / Cr Deferred Revenue
    revenue  = CR                  Dr Deferred Revenue   / Cr Revenue
    unbilled = max(CR − CB, 0)     Dr Unbilled Receivable / Cr Deferred Revenue  (per customer)

and the period's amount for each is: target through the period − target before go-live −
everything already posted. So the first period carries only its own activity, and a change that
lands in an already-closed period is caught up in the period being closed. A negative amount
flips debit and credit. Lines are summarized by account and segments; an entry has at most
1,000 lines and is balanced to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from revrec_pipeline.journals.mapping import EVENT_ACCOUNTS, AccountMapping
from revrec_pipeline.journals.periods import period_end, previous_period
from revrec_pipeline.journals.recognition import cumulative_by_period

EVENTS = ("billing", "revenue", "unbilled")
MAX_LINES = 1000
TARGET_KEY = ["customer_id", "currency", "subsidiary", "product_code"]
BALANCE_KEY = ["customer_id", "currency", "subsidiary"]
DETAIL_KEY = ["event", *TARGET_KEY]
# An entry's posting status. Pending approval: in NetSuite and verified, but held for approval
# (the account requires journal approval); never counted as posted until NetSuite approves it.
PLANNED, POSTED, FAILED, PENDING_APPROVAL = "planned", "posted", "failed", "pending_approval"


@dataclass(frozen=True)
class JournalLine:
    account_id: str
    debit_cents: int
    credit_cents: int
    segments: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class JournalEntry:
    external_id: str
    period: str
    event: str
    currency: str
    sequence: int
    lines: tuple[JournalLine, ...] = field(default_factory=tuple)
    subsidiary: str = ""  # NetSuite internal id in a OneWorld account, else ""

    @property
    def tran_date(self) -> str:
        return period_end(self.period).isoformat()

    @property
    def debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines)

    @property
    def balanced(self) -> bool:
        return self.debit_cents == self.credit_cents and len(self.lines) >= 2


def external_id(period: str, event: str, currency: str, sequence: int, subsidiary: str = "") -> str:
    """`revrec-2026-10-revenue-USD-1`; in a OneWorld account `revrec-2026-10-revenue-S3-GBP-1`."""
    scope = f"S{subsidiary}-" if subsidiary else ""
    return f"revrec-{period}-{event}-{scope}{currency}-{sequence}"


def with_subsidiary(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a text `subsidiary` column ("" where there is none, or no OneWorld)."""
    if "subsidiary" not in frame:
        return frame.assign(subsidiary="")
    values = frame["subsidiary"]
    text = [
        ""
        if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v == ""
        else str(int(v))
        for v in values
    ]
    return frame.assign(subsidiary=pd.Series(text, index=frame.index, dtype=object))


# -- cumulative targets --------------------------------------------------------------------------


def _billing_through(billing: pd.DataFrame, period: str) -> pd.Series:
    billing = with_subsidiary(billing)
    upto = billing[billing["period"] <= period]
    # dropna=False: billing without a currency must surface, not vanish from the entries.
    return upto.groupby(TARGET_KEY, dropna=False)["amount_cents"].sum()


def _revenue_through(orders: pd.DataFrame, period: str) -> pd.Series:
    orders = with_subsidiary(orders)
    if orders.empty:
        return orders.reindex(columns=[*TARGET_KEY, "amount"]).groupby(TARGET_KEY)["amount"].sum()
    cumulative = cumulative_by_period(orders, [period])[period]
    keyed = orders[TARGET_KEY].assign(amount=cumulative)
    return keyed.groupby(TARGET_KEY)["amount"].sum()


def cumulative_targets(billing: pd.DataFrame, orders: pd.DataFrame, period: str) -> pd.DataFrame:
    """Cumulative target per (event, customer, currency, product) through `period`'s end."""
    billed = _billing_through(billing, period).rename("billed")
    recognized = _revenue_through(orders, period).rename("recognized")
    both = pd.concat([billed, recognized], axis=1).infer_objects().fillna(0).astype("int64")
    both.index.names = TARGET_KEY
    both = both.reset_index()
    frames = [
        both.assign(event="billing", amount_cents=both["billed"]),
        both.assign(event="revenue", amount_cents=both["recognized"]),
    ]
    per_customer = both.groupby(BALANCE_KEY)[["billed", "recognized"]].sum()
    unbilled = (per_customer["recognized"] - per_customer["billed"]).clip(lower=0)
    frames.append(
        unbilled.rename("amount_cents").reset_index().assign(event="unbilled", product_code="")
    )
    targets = pd.concat(frames, ignore_index=True)[[*DETAIL_KEY, "amount_cents"]]
    return targets


def period_details(
    billing: pd.DataFrame,
    orders: pd.DataFrame,
    period: str,
    go_live: str,
    posted: pd.DataFrame,
) -> pd.DataFrame:
    """What the period must post, per (event, customer, currency, product), non-zero only.

    `billing`: customer_id, currency, product_code, period, amount_cents (the loaded schedule).
    `orders`: sales order lines with amount_cents; `posted`: DETAIL_KEY + amount_cents already
    posted for earlier periods.
    """
    through = cumulative_targets(billing, orders, period).set_index(DETAIL_KEY)["amount_cents"]
    opening = cumulative_targets(billing, orders, previous_period(go_live)).set_index(DETAIL_KEY)[
        "amount_cents"
    ]
    amount = through.sub(opening, fill_value=0)
    if len(posted):
        posted = with_subsidiary(posted)
        amount = amount.sub(posted.groupby(DETAIL_KEY)["amount_cents"].sum(), fill_value=0)
    amount = amount.astype("int64")
    details = amount[amount != 0].rename("amount_cents").reset_index()
    return details.sort_values(DETAIL_KEY, kind="stable").reset_index(drop=True)


# -- entries -------------------------------------------------------------------------------------


def needed_accounts(details: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """(account type, subsidiary) → product codes the details will post to."""
    needed: dict[tuple[str, str], set[str]] = defaultdict(set)
    details = with_subsidiary(details)
    for event, subsidiary, product in (
        details[["event", "subsidiary", "product_code"]].drop_duplicates().itertuples(index=False)
    ):
        for account_type in EVENT_ACCOUNTS[event]:
            needed[(account_type, subsidiary)].add(product or "")
    return needed


def _postings(details: pd.DataFrame, mapping: AccountMapping):
    """(event, subsidiary, currency) → {(debit-type row, credit-type row): net cents} pairs."""
    groups: dict[tuple[str, str, str], dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    details = with_subsidiary(details)
    for event, subsidiary, currency, product, cents in details[
        ["event", "subsidiary", "currency", "product_code", "amount_cents"]
    ].itertuples(index=False):
        debit_type, credit_type = EVENT_ACCOUNTS[event]
        debit = mapping.row_for(debit_type, product, subsidiary)
        credit = mapping.row_for(credit_type, product, subsidiary)
        pair = ((debit.account_id, debit.segments), (credit.account_id, credit.segments))
        groups[(event, subsidiary, currency)][pair] += int(cents)
    return groups


def _summarize(pairs: dict[tuple, int]) -> list[JournalLine]:
    """Net each (account, segments) over the pairs; one line per non-zero net."""
    net: dict[tuple, int] = defaultdict(int)
    for (debit, credit), cents in pairs.items():
        net[debit] += cents
        net[credit] -= cents
    lines = []
    for (account, segments), cents in sorted(net.items()):
        if cents:
            lines.append(JournalLine(account, max(cents, 0), max(-cents, 0), segments))
    return lines


def build_entries(
    details: pd.DataFrame, mapping: AccountMapping, period: str, max_lines: int = MAX_LINES
) -> list[JournalEntry]:
    """One entry per (event, subsidiary, currency), continued in further entries past
    `max_lines`."""
    entries: list[JournalEntry] = []
    for (event, subsidiary, currency), pairs in sorted(_postings(details, mapping).items()):
        lines = _summarize(pairs)
        if not lines:
            continue
        if len(lines) <= max_lines:
            chunks = [lines]
        else:
            # Too many lines: split along balanced pairs, summarizing within each entry.
            chunks, current = [], {}
            for pair, cents in sorted(pairs.items()):
                if current and (len(current) + 1) * 2 > max_lines:  # a pair adds up to 2 lines
                    chunks.append(_summarize(current))
                    current = {}
                current[pair] = cents
            if current:
                chunks.append(_summarize(current))
        for sequence, chunk in enumerate((c for c in chunks if c), start=1):
            entries.append(
                JournalEntry(
                    external_id(period, event, currency, sequence, subsidiary),
                    period,
                    event,
                    currency,
                    sequence,
                    tuple(chunk),
                    subsidiary,
                )
            )
    return entries


def one_currency_problem(
    entries: list[JournalEntry], period: str, account_currencies: list[str]
) -> str | None:
    """Without Multiple Currencies NetSuite books every entry in the account's one currency
    (no `currency` is sent): the entries must all be in it. `account_currencies`: the symbols
    the store knows from NetSuite's currency list, exactly one in such an account."""
    currencies = sorted({entry.currency for entry in entries})
    if len(currencies) >= 2:
        return (
            f"The journal entries for {period} are in {', '.join(currencies[:-1])} and "
            f"{currencies[-1]}, but the NetSuite account does not have the Multiple Currencies "
            "feature, so it would book every one in its base currency; nothing was posted."
        )
    if not currencies:
        return None
    if len(account_currencies) != 1:
        known = (
            f"lists {len(account_currencies)} currencies for it "
            f"({', '.join(sorted(account_currencies))}), so its one currency cannot be told; "
            "run `revrec connect` to profile the account again (it may have Multiple "
            "Currencies now)"
            if account_currencies
            else "has not read its currency from NetSuite yet; run `revrec sync` to read it"
        )
        return (
            f"The journal entries for {period} are in {currencies[0]} and the NetSuite account "
            f"does not have the Multiple Currencies feature, but the store {known}, then post "
            "again; nothing was posted."
        )
    if currencies[0] != account_currencies[0]:
        return (
            f"The journal entries for {period} are in {currencies[0]}, but the NetSuite account "
            "does not have the Multiple Currencies feature and its only currency is "
            f"{account_currencies[0]}, so it would book them as {account_currencies[0]} "
            "amounts; nothing was posted."
        )
    return None


def entry_body(
    entry: JournalEntry,
    currency_id: str | None,
    subsidiary: str = "",
    posting_period_id: str | None = None,
    *,
    approved: bool = False,
) -> dict:
    """The NetSuite REST body; every reference an internal id. A field the account lacks is
    left out by the caller: no `currency_id` without Multiple Currencies, no `subsidiary`
    without OneWorld. `approved` marks it approved (NETSUITE_JOURNAL_APPROVED)."""
    items = []
    for line in entry.lines:
        item: dict = {"account": {"id": line.account_id}, "memo": f"RevRec {entry.event}"}
        if line.debit_cents:
            item["debit"] = float(Decimal(line.debit_cents) / 100)
        else:
            item["credit"] = float(Decimal(line.credit_cents) / 100)
        for field_id, value in line.segments:
            item[field_id] = {"id": value}
        items.append(item)
    body: dict = {
        "externalId": entry.external_id,
        "tranDate": entry.tran_date,
        "memo": f"RevRec {entry.event} {entry.period} "
        + (f"S{entry.subsidiary} " if entry.subsidiary else "")
        + f"{entry.currency} ({entry.sequence})",
        "line": {"items": items},
    }
    if currency_id:
        body["currency"] = {"id": currency_id}
    if subsidiary:
        body["subsidiary"] = {"id": subsidiary}
    if posting_period_id:
        body["postingPeriod"] = {"id": posting_period_id}
    if approved:
        body["approved"] = True
    return body

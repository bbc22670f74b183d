"""The audit trail of a planned period (SPEC §11): every journal line of its frozen plan traced to
the event, customer and product amounts (journal detail) that compose it, and each of those to
the billing schedule lines and CRM sales order lines behind it. Plain data, no I/O.

A detail's amount is, as `entries.period_details` computes it (target T per SPEC §7),

    T(P) − T(before go-live) − already posted (earlier periods' details)

which is shown as labelled components whose sources add up to them exactly:

- billing and revenue (T is a sum over lines):
    `period`   = T(P) − T(P−1): the billing lines of P, or each sales order line's revenue in P;
    `catch_up` = T(P−1) − T(before go-live) − posted: the earlier periods' lines as they stand
                 now against what those periods posted (non-zero only when earlier data changed);
- unbilled (T = max(CR − CB, 0) per customer and currency is not a sum over lines, so it is
  shown as the balance it is):
    `balance`  = T(P): recognized through P per sales order line minus the billing lines through P
                 (zero, without sources, when billing is ahead);
    `opening`  = −T(before go-live), sourced the same way; `posted` = −what earlier periods posted;
- `changed`: the frozen amount minus what today's data gives, when billing or sales orders changed
  after the plan was frozen. Those lines are gone or different, so this component has no
  sources; a later close catches it up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd

from revrec_pipeline.journals.entries import (
    BALANCE_KEY,
    DETAIL_KEY,
    MAX_LINES,
    JournalEntry,
    _postings,
    _summarize,
    build_entries,
    period_details,
    with_subsidiary,
)
from revrec_pipeline.journals.mapping import AccountMapping
from revrec_pipeline.journals.periods import previous_period
from revrec_pipeline.journals.recognition import POINT_IN_TIME, cumulative_by_period

PERIOD, CATCH_UP, BALANCE, OPENING, POSTED, CHANGED = (
    "period",
    "catch_up",
    "balance",
    "opening",
    "posted",
    "changed",
)
BILLING_LINE, SALES_ORDER_LINE, POSTED_DETAIL = "billing_line", "sales_order_line", "posted_detail"

LINE_COLUMNS = ["external_id", "line", "account_id", "segments", "side", "amount_cents"]
CONTRIBUTION_COLUMNS = ["external_id", "line", *DETAIL_KEY, "sign", "amount_cents"]
COMPONENT_COLUMNS = [*DETAIL_KEY, "component", "label", "amount_cents", "note"]
SOURCE_COLUMNS = [
    *DETAIL_KEY,
    "component",
    "source",
    "reference",
    "period",
    "amount_cents",
    "netsuite_id",  # billing lines: the NetSuite document and line
    "line_id",
    "order_number",  # sales order lines
    "order_item_number",
]


class ExplainError(ValueError):
    """A period that cannot be explained; the message says why and what to do."""


@dataclass(frozen=True)
class Explanation:
    """`lines`: the plan's journal lines (amount on their side, non-negative).
    `contributions`: which details feed which line; `sign` +1 when the detail's amount adds to the
    line's side, −1 when it takes from it; `amount_cents` = sign × the detail's amount, so a line's
    contributions sum to its amount. `components` (in the detail's sign) sum to the detail's
    amount; `sources` (same sign) sum to their component."""

    period: str
    go_live: str
    lines: pd.DataFrame
    contributions: pd.DataFrame
    components: pd.DataFrame
    sources: pd.DataFrame


def segments_text(segments) -> str:
    return ", ".join(f"{name} {value}" for name, value in segments)


def _records(frame: pd.DataFrame):
    """Rows as attribute objects (far faster than itertuples on these mixed-type frames)."""
    return (SimpleNamespace(**row) for row in frame.to_dict("records"))


def _key(row) -> tuple:
    return tuple(row[k] for k in DETAIL_KEY)


# -- composition of each detail ------------------------------------------------------------------


class _Composer:
    """Components and sources of details, from today's billing schedule and sales orders."""

    def __init__(self, billing, orders, posted, period, go_live):
        self.period, self.go_live = period, go_live
        self.before_period, self.before_go_live = previous_period(period), previous_period(go_live)
        billing, orders = with_subsidiary(billing), with_subsidiary(orders)
        # Sorted once, so that every list of sources reads in document and order order.
        self.billing = billing.assign(product_code=billing["product_code"].fillna("")).sort_values(
            ["period", "netsuite_id", "line_id"], kind="stable"
        )
        self.orders = orders.sort_values(["order_number", "order_item_number"], kind="stable")
        if len(self.orders):
            cumulative = cumulative_by_period(
                self.orders, sorted({period, self.before_period, self.before_go_live})
            )
            self.orders["through_p"] = cumulative[period]
            self.orders["through_before_p"] = cumulative[self.before_period]
            self.orders["through_before_go_live"] = cumulative[self.before_go_live]
        # Indexed once: each detail then reads only its customer's, currency's and
        # subsidiary's lines.
        self._billing_by = dict(tuple(self.billing.groupby(BALANCE_KEY)))
        self._orders_by = dict(tuple(self.orders.groupby(BALANCE_KEY))) if len(self.orders) else {}
        posted = with_subsidiary(posted).sort_values("period", kind="stable")
        self._posted_by = dict(tuple(posted.groupby(DETAIL_KEY))) if len(posted) else {}
        self.components: list[dict] = []
        self.sources: list[dict] = []

    # sources

    def _billing_sources(self, rows, key, component, sign=1):
        out = []
        for row in _records(rows):
            if row.amount_cents == 0:
                continue
            out.append(
                {
                    **dict(zip(DETAIL_KEY, key, strict=True)),
                    "component": component,
                    "source": BILLING_LINE,
                    "reference": (
                        f"{row.document_type} {row.document_number or '-'} (NetSuite "
                        f"{row.netsuite_id}, line {row.line_id}), {row.product_code or '-'}"
                    ),
                    "period": row.period,
                    "amount_cents": sign * int(row.amount_cents),
                    "netsuite_id": int(row.netsuite_id),
                    "line_id": int(row.line_id),
                }
            )
        return out

    def _order_sources(self, rows, key, component, column, minus=None, sign=1):
        out = []
        for row in _records(rows):
            cents = int(getattr(row, column)) - (int(getattr(row, minus)) if minus else 0)
            if cents == 0:
                continue
            out.append(
                {
                    **dict(zip(DETAIL_KEY, key, strict=True)),
                    "component": component,
                    "source": SALES_ORDER_LINE,
                    "reference": (
                        f"Sales order {row.order_number} line {row.order_item_number}, "
                        f"{row.product_code}, amount {money_text(row.amount_cents)}, "
                        + (
                            f"point in time {row.service_start_date}"
                            if row.recognition == POINT_IN_TIME
                            else f"ratable {row.service_start_date} to {row.service_end_date}"
                        )
                    ),
                    "period": "",
                    "amount_cents": sign * cents,
                    "order_number": row.order_number,
                    "order_item_number": row.order_item_number,
                }
            )
        return out

    def _posted_sources(self, key, component):
        rows = self._posted_by.get(tuple(key))
        if rows is None:
            return []
        return [
            {
                **dict(zip(DETAIL_KEY, key, strict=True)),
                "component": component,
                "source": POSTED_DETAIL,
                "reference": f"posted in {row.period}",
                "period": row.period,
                "amount_cents": -int(row.amount_cents),
            }
            for row in _records(rows)
            if row.amount_cents
        ]

    def _add(self, key, component, label, sources, note="", keep_zero=False, amount=None):
        if amount is None:
            amount = sum(s["amount_cents"] for s in sources)
        if amount == 0 and not keep_zero:
            return 0
        self.components.append(
            {
                **dict(zip(DETAIL_KEY, key, strict=True)),
                "component": component,
                "label": label,
                "amount_cents": amount,
                "note": note,
            }
        )
        self.sources.extend(sources)
        return amount

    # one customer's and currency's lines

    def _billing_of(self, balance, product=None) -> pd.DataFrame:
        rows = self._billing_by.get(balance, self.billing.iloc[0:0])
        return rows if product is None else rows[rows["product_code"] == product]

    def _orders_of(self, balance, product=None) -> pd.DataFrame:
        rows = self._orders_by.get(balance, self.orders.iloc[0:0])
        return rows if product is None else rows[rows["product_code"] == product]

    # events

    def compose(self, key) -> int:
        """Add the components of one detail; returns their sum (today's amount)."""
        event, customer, currency, subsidiary, product = key
        balance = (customer, currency, subsidiary)  # BALANCE_KEY
        if event == "billing":
            return self._billing(key, balance, product)
        if event == "revenue":
            return self._revenue(key, balance, product)
        return self._unbilled(key, balance)

    def _billing(self, key, balance, product):
        rows = self._billing_of(balance, product)
        periods = rows["period"]
        own = self._add(
            key,
            PERIOD,
            f"billed in {self.period}",
            self._billing_sources(rows[periods == self.period], key, PERIOD),
        )
        earlier = rows[(periods >= self.go_live) & (periods < self.period)]
        catch_up = self._add(
            key,
            CATCH_UP,
            f"catch-up: billing of {self.go_live}..{self.before_period} now, less what was posted",
            self._billing_sources(earlier, key, CATCH_UP) + self._posted_sources(key, CATCH_UP),
        )
        return own + catch_up

    def _revenue(self, key, balance, product):
        rows = self._orders_of(balance, product)
        own = self._add(
            key,
            PERIOD,
            f"recognized in {self.period}",
            self._order_sources(rows, key, PERIOD, "through_p", "through_before_p"),
        )
        catch_up = self._add(
            key,
            CATCH_UP,
            f"catch-up: revenue of {self.go_live}..{self.before_period} now, less what was posted",
            self._order_sources(rows, key, CATCH_UP, "through_before_p", "through_before_go_live")
            + self._posted_sources(key, CATCH_UP),
        )
        return own + catch_up

    def _balance_sources(self, key, component, balance, through, column, sign):
        billed = self._billing_of(balance)
        billed = billed[billed["period"] <= through]
        orders = self._orders_of(balance)
        return self._order_sources(orders, key, component, column, sign=sign) + (
            self._billing_sources(billed, key, component, sign=-sign)
        )

    def _unbilled(self, key, balance):
        total = 0
        for component, through, column, sign, label in (
            (
                BALANCE,
                self.period,
                "through_p",
                1,
                f"unbilled balance at the end of {self.period}: recognized less billed",
            ),
            (
                OPENING,
                self.before_go_live,
                "through_before_go_live",
                -1,
                f"less the opening balance (before go-live {self.go_live})",
            ),
        ):
            sources = self._balance_sources(key, component, balance, through, column, 1)
            net = sum(s["amount_cents"] for s in sources)  # recognized − billed
            if net > 0:
                for source in sources:
                    source["amount_cents"] *= sign
                total += self._add(key, component, label, sources)
            elif sources and component == BALANCE:
                recognized = sum(s["amount_cents"] for s in sources if s["source"] != BILLING_LINE)
                billed = recognized - net
                self._add(
                    key,
                    component,
                    label,
                    [],
                    note=(
                        f"none: billed {money_text(billed)} >= recognized "
                        f"{money_text(recognized)} through {self.period}"
                    ),
                    keep_zero=True,
                )
        total += self._add(
            key, POSTED, "less what earlier periods posted", self._posted_sources(key, POSTED)
        )
        return total


# -- lines ---------------------------------------------------------------------------------------


def _pair_of(detail: pd.DataFrame, mapping: AccountMapping) -> tuple:
    """The (debit, credit) (account, segments) pair one detail posts to, as build_entries does."""
    ((_, pairs),) = _postings(detail, mapping).items()
    ((pair, _),) = pairs.items()
    return pair


def _entry_of_pair(entries: list[JournalEntry], pairs: dict[tuple, int]) -> dict[tuple, str]:
    """Which entry of one (event, currency) holds each pair: the entries split the sorted pairs
    in runs (build_entries); each run is the shortest one that summarizes to its entry's lines."""
    if len(entries) == 1:
        return dict.fromkeys(pairs, entries[0].external_id)
    ordered = sorted(pairs.items())
    where: dict[tuple, str] = {}
    start = 0
    for number, entry in enumerate(entries):
        last = number == len(entries) - 1
        end = len(ordered) if last else start + 1
        while not last and end <= len(ordered):
            if _summarize(dict(ordered[start:end])) == list(entry.lines):
                break
            end += 1
        for pair, _ in ordered[start:end]:
            where[pair] = entry.external_id
        start = end
    return where


def explain_period(
    *,
    period: str,
    go_live: str,
    plan: list[JournalEntry],
    details: pd.DataFrame,
    posted: pd.DataFrame,
    mapping: AccountMapping,
    billing: pd.DataFrame,
    orders: pd.DataFrame,
    max_lines: int = MAX_LINES,
) -> Explanation:
    """Trace every line of `period`'s frozen plan.

    `details`: the period's frozen journal detail (DETAIL_KEY + amount_cents); `posted`: earlier
    periods' details (with `period`); `billing`: the loaded billing schedule (customer_id,
    currency, product_code, period, amount_cents, netsuite_id, line_id, document_type,
    document_number); `orders`: CRM sales order lines (as the store holds them).
    """
    details = with_subsidiary(details)[[*DETAIL_KEY, "amount_cents"]]
    details = details.sort_values(DETAIL_KEY).reset_index(drop=True)
    posted = with_subsidiary(posted)
    rebuilt = build_entries(details, mapping, period, max_lines)

    def shape(entries: list[JournalEntry]) -> list[tuple]:
        # Not the external id: a plan frozen before OneWorld support keeps its older form.
        return [(e.event, e.subsidiary, e.currency, e.sequence, e.lines) for e in entries]

    if shape(rebuilt) != shape(plan):
        raise ExplainError(
            f"{period}'s journal entries differ from what its frozen detail gives under the "
            "account mapping now in the store (the mapping was replaced since the period was "
            "planned), so its lines cannot be traced; import the mapping it was planned with to "
            "explain it."
        )

    # Journal lines, and which detail feeds which line.
    lines, line_of = [], {}
    for entry in plan:
        for number, line in enumerate(entry.lines, start=1):
            side = "debit" if line.debit_cents else "credit"
            lines.append(
                {
                    "external_id": entry.external_id,
                    "line": number,
                    "account_id": line.account_id,
                    "segments": segments_text(line.segments),
                    "side": side,
                    "amount_cents": line.debit_cents or line.credit_cents,
                }
            )
            line_of[(entry.external_id, (line.account_id, line.segments))] = (number, side)
    by_group: dict[tuple, list[JournalEntry]] = defaultdict(list)
    for entry in plan:
        by_group[(entry.event, entry.subsidiary, entry.currency)].append(entry)

    records = details.to_dict(orient="records")
    pair_of = {_key(row): _pair_of(details.iloc[[i]], mapping) for i, row in enumerate(records)}
    group_pairs: dict[tuple, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for row in records:
        group = (row["event"], row["subsidiary"], row["currency"])
        group_pairs[group][pair_of[_key(row)]] += int(row["amount_cents"])
    where = {
        group: _entry_of_pair(by_group[group], pairs)
        for group, pairs in group_pairs.items()
        if group in by_group
    }
    group_of = dict(zip(DETAIL_KEY, range(len(DETAIL_KEY)), strict=True))

    def group(key: tuple) -> tuple:
        return tuple(key[group_of[k]] for k in ("event", "subsidiary", "currency"))

    entry_of = {
        key: where[group(key)].get(pair) for key, pair in pair_of.items() if group(key) in where
    }

    contributions = []
    for row in details.to_dict(orient="records"):
        key = _key(row)
        external = entry_of.get(key)
        if external is None:  # its group nets to zero on every account: no entry, no line
            continue
        debit, credit = pair_of[key]
        for account, delta in ((debit, 1), (credit, -1)):
            found = line_of.get((external, account))
            if found is None:  # this account nets to zero in the entry: no line
                continue
            number, side = found
            sign = delta if side == "debit" else -delta
            contributions.append(
                {
                    "external_id": external,
                    "line": number,
                    **{k: row[k] for k in DETAIL_KEY},
                    "sign": sign,
                    "amount_cents": sign * int(row["amount_cents"]),
                }
            )

    # The composition of each detail from today's data, and what changed since the plan.
    composer = _Composer(billing, orders, posted, period, go_live)
    today = period_details(billing, orders, period, go_live, posted[[*DETAIL_KEY, "amount_cents"]])
    today_amount = {_key(r): int(r["amount_cents"]) for r in today.to_dict(orient="records")}
    for row in details.to_dict(orient="records"):
        key = _key(row)
        composed = composer.compose(key)
        if composed != today_amount.get(key, 0):  # the decomposition must be period_details'
            raise ExplainError(
                f"The parts of {period}'s {'/'.join(key)} detail add up to {composed} cents, but "
                f"the journal rules give {today_amount.get(key, 0)}; this is a bug, please "
                "report it."
            )
        composer._add(
            key,
            CHANGED,
            "changed after the plan was frozen (billing or sales orders edited since; "
            "caught up by a later close)",
            [],
            amount=int(row["amount_cents"]) - composed,
        )

    explanation = Explanation(
        period,
        go_live,
        pd.DataFrame(lines, columns=LINE_COLUMNS),
        pd.DataFrame(contributions, columns=CONTRIBUTION_COLUMNS),
        pd.DataFrame(composer.components, columns=COMPONENT_COLUMNS),
        pd.DataFrame(composer.sources, columns=SOURCE_COLUMNS),
    )
    problems = unbalanced(explanation, details)
    if problems:  # never expected: the plan, its detail and the store disagree
        raise ExplainError(
            f"{period}'s plan does not add up from its detail ({problems[0]}"
            f"{f' and {len(problems) - 1} more' if len(problems) > 1 else ''}); the store's "
            "journal plan may have been edited by hand."
        )
    return explanation


def unbalanced(explanation: Explanation, details: pd.DataFrame) -> list[str]:
    """Every place where parts do not add up to their whole (empty when all add up exactly)."""
    problems = []
    lines = explanation.lines.set_index(["external_id", "line"])["amount_cents"]
    parts = explanation.contributions.groupby(["external_id", "line"])["amount_cents"].sum()
    for where, cents in lines.items():
        if int(parts.get(where, 0)) != int(cents):
            problems.append(f"line {where}: {cents} != contributions {parts.get(where, 0)}")
    amounts = details.set_index(DETAIL_KEY)["amount_cents"]
    composed = explanation.components.groupby(DETAIL_KEY)["amount_cents"].sum()
    for key, cents in amounts.items():
        if int(composed.get(key, 0)) != int(cents):
            problems.append(f"detail {key}: {cents} != components {composed.get(key, 0)}")
    return problems


# -- text ----------------------------------------------------------------------------------------


def money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}.{part:02d}"


def _aligned(rows: list[tuple[str | None, int | None]]) -> list[str]:
    """Texts with their amounts right-aligned in one column; (None, None) is a blank line."""
    texts = [r for r in rows if r[0] is not None]
    if not texts:
        return []
    width = max(len(text) for text, _ in texts) + 2
    right = max(len(money_text(c)) for _, c in texts if c is not None)
    return [
        ""
        if text is None
        else f"{text:<{width}}{money_text(cents) if cents is not None else '':>{right}}".rstrip()
        for text, cents in rows
    ]


def explanation_text(
    explanation: Explanation, *, account: str | None = None, customer: str | None = None
) -> list[str]:
    """`revrec explain`: each line, then its parts in the line's own terms (a part that takes
    from the line shows negative), so every level adds up to the one above it."""
    lines = explanation.lines
    contributions = explanation.contributions
    if account is not None:
        lines = lines[lines["account_id"] == account]
        if lines.empty:
            accounts = ", ".join(sorted(set(explanation.lines["account_id"]))) or "none"
            raise ExplainError(
                f"No journal line of {explanation.period} is on account {account}; its lines "
                f"are on accounts {accounts}."
            )
    if customer is not None:
        contributions = contributions[contributions["customer_id"] == customer]
        keep = set(zip(contributions["external_id"], contributions["line"], strict=True))
        lines = lines[
            [(e, n) in keep for e, n in zip(lines["external_id"], lines["line"], strict=True)]
        ]
        if lines.empty:
            raise ExplainError(
                f"No journal line of {explanation.period}"
                f"{f' on account {account}' if account is not None else ''} has a part for "
                f"customer {customer}."
            )
    by_line = {k: g for k, g in contributions.groupby(["external_id", "line"], sort=False)}
    counts = explanation.contributions.groupby(["external_id", "line"]).size()
    components = defaultdict(list)
    for component in _records(explanation.components):
        components[tuple(getattr(component, k) for k in DETAIL_KEY)].append(component)
    sources = defaultdict(list)
    for source in _records(explanation.sources):
        sources[(*(getattr(source, k) for k in DETAIL_KEY), source.component)].append(source)
    out = [
        f"Journal lines of {explanation.period} (go-live {explanation.go_live}) and what composes "
        "them; amounts in each entry's currency, a part that reduces its line shows negative."
    ]
    rows: list[tuple[str | None, int | None]] = []
    for line in _records(lines):
        rows += [
            (None, None),
            (
                f"{line.external_id} line {line.line}: account {line.account_id} {line.side}"
                f"{f' [{line.segments}]' if line.segments else ''}",
                int(line.amount_cents),
            ),
        ]
        parts = by_line[(line.external_id, line.line)]
        for part in _records(parts.sort_values(["customer_id", "product_code", "event"])):
            key = tuple(getattr(part, k) for k in DETAIL_KEY)
            product = f" {part.product_code}" if part.product_code else ""
            rows.append((f"  {part.event} {part.customer_id}{product}", int(part.amount_cents)))
            for component in components[key]:
                text = f"    {component.label}"
                if component.note:
                    text += f" ({component.note})"
                rows.append((text, part.sign * int(component.amount_cents)))
                for source in sources.get((*key, component.component), []):
                    when = (
                        f", {source.period}"
                        if source.period and source.source != POSTED_DETAIL
                        else ""
                    )
                    rows.append(
                        (f"      {source.reference}{when}", part.sign * int(source.amount_cents))
                    )
        if customer is not None and len(parts) < counts[(line.external_id, line.line)]:
            rows.append((f"  (only customer {customer}'s parts of this line are shown)", None))
    out.extend(_aligned(rows))
    out.append("")
    out.append(
        f"{len(lines)} of {len(explanation.lines)} lines shown; every line of {explanation.period} "
        "equals the sum of its parts to the cent, and every part the sum of its sources."
    )
    return out

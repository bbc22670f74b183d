"""The GL tie-out (SPEC §11): what NetSuite's ledger holds of RevRec's journal entries against
what the store says was posted, per entry, account and currency. Pure: no Dagster, no I/O.

An entry differs when an account's debit or credit total is not what was posted (edited in
NetSuite), when it is no longer in the ledger (deleted, or re-dated past the period end), when
its lines no longer post, or when NetSuite's ledger holds a RevRec entry the store has no
posting of. The mapped balance-sheet accounts' whole GL balances are information only: other
transactions post to them too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from revrec_pipeline.journals.entries import POSTED
from revrec_pipeline.journals.mapping import AccountMapping
from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.netsuite.tieout import AccountBalance, HeldLine

BALANCE_ACCOUNT_TYPES = ("deferred_revenue", "unbilled_receivable")
EDITED, DELETED, NOT_POSTING, UNEXPECTED = "edited", "deleted", "not posting", "not in the store"


@dataclass(frozen=True)
class Difference:
    """One account of one entry whose totals differ (cents in the entry's currency)."""

    external_id: str
    kind: str
    account_id: str
    currency: str
    store_debit: int
    store_credit: int
    netsuite_debit: int
    netsuite_credit: int

    @property
    def difference(self) -> int:
        """NetSuite's net (debit − credit) minus the store's."""
        return (self.netsuite_debit - self.netsuite_credit) - (self.store_debit - self.store_credit)


@dataclass(frozen=True)
class BalanceRow:
    account_type: str
    account_id: str
    currency: str
    netsuite_cents: int | None  # whole GL balance (every transaction), debit positive
    netsuite_base_cents: int | None
    revrec_cents: int  # what RevRec's posted entries put on the account, debit positive


@dataclass
class TieOut:
    period: str
    entries_checked: int
    differences: list[Difference] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # one sentence per differing entry
    balances: list[BalanceRow] = field(default_factory=list)
    currencies: tuple[str, ...] = ()

    @property
    def differing_entries(self) -> list[str]:
        return sorted({d.external_id for d in self.differences})

    @property
    def passed(self) -> bool:
        return not self.differences

    def difference_by_currency(self) -> dict[str, int]:
        """Per currency, the sum of the absolute account differences (cents)."""
        out: dict[str, int] = defaultdict(int)
        for d in self.differences:
            out[d.currency] += abs(d.difference)
        return dict(out)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _store_totals(posting: Mapping) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in json.loads(posting["lines"]):
        totals[str(line["account_id"])][0] += int(line["debit_cents"])
        totals[str(line["account_id"])][1] += int(line["credit_cents"])
    return {account: (d, c) for account, (d, c) in totals.items()}


def _held_totals(lines: Iterable[HeldLine]) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        if line.cents >= 0:
            totals[line.account_id][0] += line.cents
        else:
            totals[line.account_id][1] -= line.cents
    return {account: (d, c) for account, (d, c) in totals.items()}


def tie_out(
    period: str,
    postings: Sequence[Mapping],
    held: Sequence[HeldLine],
    currency_ids: Mapping[str, str],
    mapping: AccountMapping | None = None,
    balances: Sequence[AccountBalance] = (),
) -> TieOut:
    """Compare the store's postings of `period` and earlier (status posted) with NetSuite's
    ledger lines of RevRec's entries through the period end (`held`).

    `currency_ids`: currency symbol → NetSuite internal id (the store's copy)."""
    end = period_end(period).isoformat()
    symbols = {str(v): k for k, v in currency_ids.items()}
    posted = {
        p["external_id"]: p for p in postings if p["status"] == POSTED and p["period"] <= period
    }
    known = {p["external_id"]: p for p in postings}
    by_entry: dict[str, list[HeldLine]] = defaultdict(list)
    for line in held:
        by_entry[line.external_id].append(line)

    result = TieOut(period, entries_checked=len(posted))
    result.currencies = tuple(sorted({p["currency"] for p in posted.values()}))
    for external_id in sorted(set(posted) | set(by_entry)):
        posting, lines = posted.get(external_id), by_entry.get(external_id, [])
        ledger = [ln for ln in lines if ln.posting]
        netsuite_id = (posting or {}).get("netsuite_id") or (lines[0].netsuite_id if lines else "")
        named = f"{external_id} (NetSuite journal {netsuite_id})" if netsuite_id else external_id
        if posting is None:
            if not ledger:
                continue  # held for approval, as the store knows it
            currency = _currency(ledger, symbols, known.get(external_id))
            state = known.get(external_id, {}).get("status")
            why = (
                f"the store has it {state.replace('_', ' ')}"
                if state
                else "the store has no posting of it"
            )
            _add(result, external_id, UNEXPECTED, {}, _held_totals(ledger), currency)
            result.findings.append(f"{named} is in NetSuite's ledger through {end}, but {why}.")
            continue
        currency = posting["currency"]
        stored = _store_totals(posting)
        if not lines:
            _add(result, external_id, DELETED, stored, {}, currency)
            result.findings.append(
                f"{named} was posted by RevRec but is not in NetSuite's ledger through {end}: "
                "it was deleted in NetSuite (or re-dated past the period end)."
            )
            continue
        if not ledger:
            _add(result, external_id, NOT_POSTING, stored, {}, currency)
            result.findings.append(
                f"{named} is in NetSuite but no longer posts (unapproved or made non-posting "
                "there), so none of its lines is in the ledger."
            )
            continue
        held_currency = _currency(ledger, symbols, posting)
        netsuite = _held_totals(ledger)
        if held_currency != currency:  # every amount moved to another currency
            changes = [f"currency {currency} changed to {held_currency}"]
            _add(result, external_id, EDITED, stored, {}, currency)
            _add(result, external_id, EDITED, {}, netsuite, held_currency)
        else:
            changes = _add(result, external_id, EDITED, stored, netsuite, currency)
        if changes:
            result.findings.append(f"{named} was edited in NetSuite: {'; '.join(changes)}.")
    if mapping is not None:
        result.balances = _balances(period, posted.values(), mapping, balances, symbols)
    return result


def _currency(lines: Sequence[HeldLine], symbols: Mapping[str, str], posting) -> str:
    """The entry's currency as NetSuite holds it; without Multiple Currencies, the store's."""
    ids = {ln.currency_id for ln in lines if ln.currency_id is not None}
    if not ids:
        return (posting or {}).get("currency", "")
    (ident,) = ids  # one header, one currency
    return symbols.get(ident, f"currency {ident}")


def _add(result: TieOut, external_id: str, kind: str, stored, netsuite, currency) -> list[str]:
    """Record each account whose totals differ; return them as phrases."""
    phrases = []
    for account in sorted(set(stored) | set(netsuite)):
        sd, sc = stored.get(account, (0, 0))
        nd, nc = netsuite.get(account, (0, 0))
        if (sd, sc) == (nd, nc):
            continue
        result.differences.append(Difference(external_id, kind, account, currency, sd, sc, nd, nc))
        sides = []
        if sd != nd:
            sides.append(f"debit {_money(sd)} posted, {_money(nd)} in NetSuite")
        if sc != nc:
            sides.append(f"credit {_money(sc)} posted, {_money(nc)} in NetSuite")
        phrases.append(f"account {account} {currency} {' and '.join(sides)}")
    return phrases


def _balances(period, posted, mapping: AccountMapping, balances, symbols) -> list[BalanceRow]:
    accounts = {
        row.account_id: row.account_type
        for row in mapping.rows
        if row.account_type in BALANCE_ACCOUNT_TYPES
    }
    revrec: dict[tuple[str, str], int] = defaultdict(int)
    currencies = set()
    for posting in posted:
        currencies.add(posting["currency"])
        for account, (debit, credit) in _store_totals(posting).items():
            if account in accounts:
                revrec[account, posting["currency"]] += debit - credit
    single = next(iter(currencies)) if len(currencies) == 1 else ""
    netsuite: dict[tuple[str, str], AccountBalance] = {}
    for balance in balances:
        if balance.account_id in accounts:
            currency = symbols.get(balance.currency_id, "") if balance.currency_id else single
            netsuite[balance.account_id, currency] = balance
    rows = []
    for account, currency in sorted(set(revrec) | set(netsuite)):
        found = netsuite.get((account, currency))
        rows.append(
            BalanceRow(
                accounts[account],
                account,
                currency,
                found.cents if found else None,
                found.base_cents if found else None,
                revrec.get((account, currency), 0),
            )
        )
    return rows

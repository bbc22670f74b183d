"""SuiteQL for the GL tie-out (SPEC §11): RevRec's own journal entries as NetSuite's ledger holds
them through a period end, and the whole GL balance of chosen accounts.

What the queries rest on (reference §4.1, §4.2, §9):

- the GL impact is `transactionaccountingline` (`transaction`, `transactionline`,
  `accountingbook`, `account`, `amount`, `posting`), joined to its line on
  (`transaction`, `transactionline`) = (`transactionline.transaction`, `transactionline.id`),
  the line's key (as Tim Dietrich's "transaction GL impact" query joins them);
- `transactionaccountingline.amount` is in the base currency, `transactionline.foreignamount`
  in the transaction's currency (GL view: debits positive); RevRec posts in the transaction
  currency, so entries are compared on `foreignamount`;
- `transaction.currency` exists only with Multiple Currencies, so it is named only then;
- dates are inlined `TO_DATE` literals (`literals.date_sql`), bound `?` only for the keyset;
- a query over lines is paged by keyset on `transactionline.uniquekey` (a global line key).

Multi-Book Accounting writes one accounting line per book; how to tell the primary book is not
confirmed, so the lines are read with their book and each journal line is counted once (a
RevRec entry is not book-specific: its transaction-currency amounts are the same in every book).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revrec_pipeline.netsuite.literals import date_sql
from revrec_pipeline.netsuite.queries import MAX_IN_LIST, Query

EXTERNAL_ID_PREFIX = "revrec-"
_LINES_FROM = (
    "FROM transaction t "
    "INNER JOIN transactionline tl ON tl.transaction = t.id "
    "INNER JOIN transactionaccountingline tal "
    "ON tal.transaction = tl.transaction AND tal.transactionline = tl.id "
)


def entry_lines(period_end: date, *, multi_currency: bool) -> Query:
    """Every accounting line of RevRec's journal entries dated through `period_end`, paged
    by keyset on the line's unique key."""
    currency = "t.currency, " if multi_currency else ""
    return Query(
        "tie-out",
        "journal line",
        f"SELECT tl.uniquekey, t.id, t.externalid, {currency}tl.id AS line, tal.account, "
        "tal.accountingbook, tal.posting, tl.foreignamount "
        f"{_LINES_FROM}"
        f"WHERE t.type = 'Journal' AND t.externalid LIKE '{EXTERNAL_ID_PREFIX}%' "
        f"AND t.trandate <= {date_sql(period_end)} "
        "AND tl.uniquekey > ? ORDER BY tl.uniquekey",
        key="tl.uniquekey",
    )


def account_balances(
    period_end: date, account_ids: Sequence[int], *, multi_currency: bool
) -> Query:
    """The posting GL balance of each account through `period_end`, every transaction type,
    per accounting book (and transaction currency): a few rows, one page."""
    if not account_ids or len(account_ids) > MAX_IN_LIST:
        raise ValueError(f"between 1 and {MAX_IN_LIST} accounts are needed, not {len(account_ids)}")
    ids = ", ".join(str(int(a)) for a in sorted(set(account_ids)))
    currency = ", t.currency" if multi_currency else ""
    return Query(
        "tie-out",
        "account balance",
        f"SELECT tal.accountingbook, tal.account{currency}, "
        "SUM(tl.foreignamount) AS foreignamount, SUM(tal.amount) AS amount "
        f"{_LINES_FROM}"
        f"WHERE tal.posting = 'T' AND tal.account IN ({ids}) "
        f"AND t.trandate <= {date_sql(period_end)} "
        f"GROUP BY tal.accountingbook, tal.account{currency} "
        f"ORDER BY tal.accountingbook, tal.account{currency}",
    )


# -- what NetSuite holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldLine:
    """One journal line of a RevRec entry as NetSuite's ledger holds it."""

    external_id: str
    netsuite_id: str
    line: int
    account_id: str
    currency_id: str | None  # None without Multiple Currencies
    cents: int  # transaction currency, debit positive
    posting: bool


@dataclass(frozen=True)
class AccountBalance:
    account_id: str
    currency_id: str | None
    cents: int  # transaction currency, debit positive
    base_cents: int  # base currency


def cents(value) -> int:
    """A SuiteQL amount (text) as integer cents; a missing amount is zero."""
    if value in (None, ""):
        return 0
    return int((Decimal(str(value)) * 100).to_integral_value())


def held_lines(rows: Iterable[dict]) -> list[HeldLine]:
    """Accounting lines → journal lines, each (entry, line) once whatever the books."""
    seen: dict[tuple[str, int], dict] = {}
    for row in rows:
        key = (str(row["id"]), int(row["line"]))
        kept = seen.get(key)
        if kept is None or int(row.get("accountingbook") or 0) < int(
            kept.get("accountingbook") or 0
        ):
            seen[key] = row
    return [
        HeldLine(
            external_id=str(row["externalid"]),
            netsuite_id=str(row["id"]),
            line=int(row["line"]),
            account_id=str(row["account"]),
            currency_id=str(row["currency"]) if row.get("currency") not in (None, "") else None,
            cents=cents(row.get("foreignamount")),
            posting=str(row.get("posting") or "").upper() == "T",
        )
        for row in sorted(seen.values(), key=lambda r: (str(r["externalid"]), int(r["line"])))
    ]


def balances(rows: Iterable[dict]) -> list[AccountBalance]:
    """Balance rows → one per account and currency, from the lowest-numbered book."""
    rows = list(rows)
    if not rows:
        return []
    book = min(int(r.get("accountingbook") or 0) for r in rows)
    return [
        AccountBalance(
            str(r["account"]),
            str(r["currency"]) if r.get("currency") not in (None, "") else None,
            cents(r.get("foreignamount")),
            cents(r.get("amount")),
        )
        for r in rows
        if int(r.get("accountingbook") or 0) == book
    ]


def read_held_lines(client, period_end: date, *, multi_currency: bool) -> list[HeldLine]:
    query = entry_lines(period_end, multi_currency=multi_currency)
    rows = [row for page in client.query_keyset(query.text, key=query.key, after=0) for row in page]
    return held_lines(rows)


def read_balances(
    client, period_end: date, account_ids: Sequence[int], *, multi_currency: bool
) -> list[AccountBalance]:
    if not account_ids:
        return []
    query = account_balances(period_end, account_ids, multi_currency=multi_currency)
    return balances(client.query_small(query.text))

"""OneWorld's subsidiaries: who they are, which accounts and currencies each may use.

Two account shapes (SandboxConfig.subsidiaries):

- "one": the parent (id 1, USD) holds every customer and document; a second subsidiary
  (EMEA Ltd, GBP) exists with no data. Journal entries are checked as before.
- "several": a parent (USD), two foreign subsidiaries (UK Ltd in GBP, Germany GmbH in EUR) and
  an elimination subsidiary. Each document is in the subsidiary whose base currency it is in
  (so every document is in its subsidiary's base currency, exchange rate 1); each customer's
  primary subsidiary is the one of its own currency. Accounts are restricted per subsidiary and
  a journal entry is refused, with NetSuite's wording, for an account, a currency or a
  subsidiary it may not use.

SuiteQL holds the account restriction in `AccountSubsidiaryMap (account, subsidiary)`, one row
per subsidiary an account is available to (nazir99/nsq `schema/facts.json`, live-verified edges
accountsubsidiarymap.account → account.id and .subsidiary → subsidiary.id). The `subsidiary`
columns (parent "Parent Subsidiary", iselimination "Elimination", currency, fullname,
isinactive) are those of a Records Catalog export (nsq `schema/graph.json`, 2026.1), and so
are CustomerSubsidiaryRelationship's (id, entity, subsidiary, isprimarysub, primarycurrency).

Which currencies a subsidiary's journal entry may be in is not settled. NetSuite answers
"Invalid currency reference key X for subsidiary Y." when a currency is not valid for the
subsidiary (reference §5.3; the sentence is matched in NetSuite's answers by
fylein/netsuite-sdk-py), but Oracle's journal entry field help says the currency "defaults to
the base currency of your company or root parent subsidiary, and can be changed to any other
currency available in your account" (SuiteScript Records Browser 2026.1, intercompany journal
entry `currency`, on regular journal entries; SOAP field help NSDOC section_4099136433: "any
currency defined for your account"). The sandbox's default rule
is the narrower one, a subsidiary's base currency or its parent's (the group currency a foreign
subsidiary also books in), so a client is tested against the refusal; SandboxConfig
journal_currencies="any" switches to the documented wider rule (reference §9: a client must not
depend on a fact that is not settled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .reference_data import ACCOUNTS, CURRENCIES


@dataclass(frozen=True)
class Subsidiary:
    id: int
    name: str
    fullname: str
    currency: int  # base currency id
    parent: int | None
    elimination: bool = False

    def row(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "fullname": self.fullname,
            "currency": self.currency,
            "parent": self.parent,
            "iselimination": "T" if self.elimination else "F",
            "isinactive": "F",
        }


PARENT = 1
# The one-subsidiary account's rows (reference_data.SUBSIDIARIES, with parent and elimination).
ONE = (
    Subsidiary(1, "Parent Company", "Parent Company", 1, None),
    Subsidiary(2, "EMEA Ltd", "Parent Company : EMEA Ltd", 3, PARENT),
)
UK, GERMANY, ELIMINATION = 2, 3, 4
SEVERAL = (
    Subsidiary(PARENT, "Parent Company", "Parent Company", 1, None),
    Subsidiary(UK, "UK Ltd", "Parent Company : UK Ltd", 3, PARENT),
    Subsidiary(GERMANY, "Germany GmbH", "Parent Company : Germany GmbH", 2, PARENT),
    Subsidiary(ELIMINATION, "Elimination", "Parent Company : Elimination", 1, PARENT, True),
)
# Several subsidiaries: a document (and a customer) goes to the subsidiary of its currency.
SUBSIDIARY_OF_CURRENCY = {1: PARENT, 3: UK, 2: GERMANY}

# Accounts of the several-subsidiary account only: (id, acctnumber, name, accttype, available to).
UK_DEFERRED_REVENUE, NON_UK_DEFERRED_REVENUE = 59, 60
RESTRICTED_ACCOUNTS = (
    (UK_DEFERRED_REVENUE, "2410", "Deferred Revenue - UK", "DeferRevenue", (UK,)),
    (
        NON_UK_DEFERRED_REVENUE,
        "2420",
        "Deferred Revenue - Americas and Europe",
        "DeferRevenue",
        (PARENT, GERMANY, ELIMINATION),
    ),
)
SUBSIDIARY_ACCOUNT_ROLES = {
    "uk_deferred_revenue": UK_DEFERRED_REVENUE,  # UK Ltd only
    "non_uk_deferred_revenue": NON_UK_DEFERRED_REVENUE,  # every subsidiary but UK Ltd
}
_SYMBOL = {i: sym for i, sym, _, _ in CURRENCIES}


def subsidiaries_for(mode: str) -> tuple[Subsidiary, ...]:
    return SEVERAL if mode == "several" else ONE


def account_rows(fixed: list[dict], mode: str) -> list[dict]:
    """The account table: the fixed chart, plus the restricted accounts with several."""
    if mode != "several":
        return fixed
    extra = [
        {
            "id": i,
            "acctnumber": num,
            "accountsearchdisplayname": f"{num} {name}",
            "fullname": name,
            "accttype": kind,
            "isinactive": "F",
        }
        for i, num, name, kind, _ in RESTRICTED_ACCOUNTS
    ]
    return fixed + extra


def account_subsidiary_map(mode: str, subsidiary_ids: Iterable[int]) -> list[dict]:
    """AccountSubsidiaryMap rows: every fixed account is the parent's, available to every
    subsidiary (include children); the restricted accounts only where they are listed."""
    loaded = sorted(subsidiary_ids)
    rows = [{"account": a[0], "subsidiary": s} for a in ACCOUNTS for s in loaded]
    if mode == "several":
        rows += [
            {"account": i, "subsidiary": s}
            for i, *_, where in RESTRICTED_ACCOUNTS
            for s in where
            if s in loaded
        ]
    return rows


def load_customer_subsidiaries(conn) -> None:
    """CustomerSubsidiaryRelationship (Records Catalog: id, entity, subsidiary, isprimarysub,
    primarycurrency, ...): each customer's primary subsidiary, and a secondary one for every
    other subsidiary it has a document in (NetSuite asks the customer to be assigned to a
    subsidiary before it transacts there)."""
    conn.execute(
        "INSERT INTO customersubsidiaryrelationship (entity, subsidiary, isprimarysub, "
        "primarycurrency) SELECT id, subsidiary, 'T', currency FROM customer ORDER BY id"
    )
    conn.execute(
        "INSERT INTO customersubsidiaryrelationship (entity, subsidiary, isprimarysub, "
        "primarycurrency) SELECT DISTINCT c.id, tl.subsidiary, 'F', c.currency "
        'FROM "transaction" t JOIN transactionline tl ON tl."transaction" = t.id '
        "AND tl.mainline = 'T' JOIN customer c ON c.id = t.entity "
        "WHERE tl.subsidiary <> c.subsidiary ORDER BY c.id, tl.subsidiary"
    )


def allowed_currencies(subsidiary: Subsidiary, by_id: dict[int, Subsidiary]) -> set[int]:
    """A subsidiary's journal entries may be in its base currency or its parent's (a foreign
    subsidiary booking in the group currency): the sandbox's default rule (module doc)."""
    allowed = {subsidiary.currency}
    parent = by_id.get(subsidiary.parent or 0)
    if parent is not None:
        allowed.add(parent.currency)
    return allowed


def manifest_part(mode: str) -> dict:
    """What tests need to know about the subsidiaries (merged into the sandbox manifest)."""
    subs = subsidiaries_for(mode)
    by_id = {s.id: s for s in subs}
    usable: dict[int, list[int]] = {s.id: [] for s in subs}
    for row in account_subsidiary_map(mode, by_id):
        usable[row["subsidiary"]].append(row["account"])
    part: dict = {
        "subsidiaries": {
            s.id: {
                "name": s.name,
                "fullname": s.fullname,
                "currency": _SYMBOL[s.currency],
                "parent": s.parent,
                "elimination": s.elimination,
                "journal_currencies": sorted(_SYMBOL[c] for c in allowed_currencies(s, by_id)),
            }
            for s in subs
        },
        "accounts_by_subsidiary": {sid: sorted(set(ids)) for sid, ids in usable.items()},
    }
    if mode == "several":
        part["subsidiary_ids"] = {
            "parent": PARENT,
            "uk": UK,
            "germany": GERMANY,
            "elimination": ELIMINATION,
        }
        part["subsidiary_accounts"] = dict(SUBSIDIARY_ACCOUNT_ROLES)
        part["subsidiary_of_currency"] = {
            _SYMBOL[c]: s for c, s in sorted(SUBSIDIARY_OF_CURRENCY.items())
        }
    return part

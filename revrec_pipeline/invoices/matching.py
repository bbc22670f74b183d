"""NetSuite customer → CRM customer (SPEC §6).

By name: equal after ignoring case, surrounding and repeated whitespace and Unicode normal-form
differences, and nothing else (no punctuation or suffix games: a near miss is a suggestion, not
a match). Or, with name mapping off, by the CRM id stored on the NetSuite customer's externalid.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

_WHITESPACE = re.compile(r"\s+")
SUGGESTION_CUTOFF = 0.8

MATCH_COLUMNS = [
    "netsuite_customer_id",
    "netsuite_customer_name",
    "customer_id",
    "customer_name",
    "reason",
    "suggestion",
]


def normalize_name(name: str | None) -> str:
    """The matching key: NFC, case-folded, whitespace trimmed and collapsed."""
    if name is None:
        return ""
    text = unicodedata.normalize("NFC", str(name))
    return _WHITESPACE.sub(" ", text).strip().casefold()


def netsuite_customer_name(
    companyname: str | None,
    isperson: bool,
    firstname: str | None,
    lastname: str | None,
    entityid: str | None,
) -> str:
    """Companies by company name, individuals by first + last name; else the entity id."""
    if isperson:
        person = " ".join(str(p).strip() for p in (firstname, lastname) if p and str(p).strip())
        return person or str(entityid or "")
    if companyname and str(companyname).strip():
        return str(companyname)
    return str(entityid or "")


def match_customers(
    netsuite_customers: pd.DataFrame,
    crm_customers: pd.DataFrame,
    *,
    by_name: bool = True,
) -> pd.DataFrame:
    """One row per NetSuite customer: its CRM customer, or the reason it has none.

    `netsuite_customers`: id, companyname, isperson, firstname, lastname, entityid, externalid.
    `crm_customers`: customer_id, customer_name.
    """
    crm_by_id = dict(zip(crm_customers["customer_id"], crm_customers["customer_name"], strict=True))
    crm_by_key: dict[str, list[str]] = {}
    for customer_id, name in crm_by_id.items():
        crm_by_key.setdefault(normalize_name(name), []).append(customer_id)
    crm_keys = list(crm_by_key)

    rows = []
    for row in netsuite_customers.itertuples(index=False):
        name = netsuite_customer_name(
            row.companyname, bool(row.isperson), row.firstname, row.lastname, row.entityid
        )
        customer_id = customer_name = reason = suggestion = None
        if by_name:
            candidates = crm_by_key.get(normalize_name(name), [])
            if len(candidates) == 1:
                customer_id = candidates[0]
            elif candidates:
                reason = (
                    f"Customer name matches {len(candidates)} CRM customers "
                    f"({', '.join(sorted(candidates))})"
                )
            else:
                reason = "Customer name matches no CRM customer"
                close = difflib.get_close_matches(
                    normalize_name(name), crm_keys, n=1, cutoff=SUGGESTION_CUTOFF
                )
                if close:
                    suggestion = crm_by_id[crm_by_key[close[0]][0]]
        else:
            external = (row.externalid or "").strip() if row.externalid else ""
            if external in crm_by_id:
                customer_id = external
            elif external:
                reason = f"externalid {external!r} is not a CRM customer id"
            else:
                reason = "NetSuite customer has no externalid (CRM id)"
        if customer_id is not None:
            customer_name = crm_by_id[customer_id]
        rows.append((int(row.id), name, customer_id, customer_name, reason, suggestion))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)

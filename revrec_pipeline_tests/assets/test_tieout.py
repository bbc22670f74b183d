"""The GL tie-out check on the sandbox flow (SPEC §11): untouched it passes; an entry edited in
NetSuite and one deleted there are both named, as a warning; the mapped balance-sheet accounts'
whole GL balances are shown beside RevRec's."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import dagster as dg

from revrec_pipeline.store.journals import postings
from revrec_pipeline_tests.assets.test_journal_posting import go_live_and_close
from revrec_pipeline_tests.pipeline_helpers import check_evaluations, post


def tieout(instance, run) -> dg.AssetCheckEvaluation:
    assert run.success, run.summary()  # a warning never fails the posting run
    check = check_evaluations(instance, run.run_id)["gl_tieout"]
    assert check.severity == dg.AssetCheckSeverity.WARN
    return check


def net_by_account(posting: dict) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for line in json.loads(posting["lines"]):
        out[line["account_id"]] += line["debit_cents"] - line["credit_cents"]
    return out


def cents_of(item: dict, side: str) -> int:
    return int(Decimal(str(item.get(side) or 0)) * 100)


def money(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):,.2f}"


def test_tieout_passes_untouched_and_names_an_edited_and_a_deleted_entry(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    check = tieout(instance, post(instance, "2026-10"))
    posted = {p["external_id"]: p for p in postings(store, "2026-10") if p["status"] == "posted"}
    assert check.passed, check.description
    assert check.metadata["entries_checked"].value == len(posted) > 2
    assert check.metadata["differing_entries"].value == 0
    currencies = sorted({p["currency"] for p in posted.values()})
    assert {k for k in check.metadata if k.startswith("difference_")} == {
        f"difference_{c}" for c in currencies
    }
    assert all(check.metadata[f"difference_{c}"].value == 0.0 for c in currencies)

    # The balance-sheet accounts: RevRec's column is what its posted entries put there; the GL
    # column is the account's whole balance in NetSuite through the period end.
    accounts = sb.manifest["accounts"]
    wanted = {str(accounts["deferred_revenue"]), str(accounts["unbilled_receivable"])}
    rows = check.metadata["gl_balances"].value.records
    shown = {(r.data["Account"], r.data["Currency"]): r.data for r in rows}
    revrec: dict[tuple[str, str], int] = defaultdict(int)
    for p in posted.values():
        for account, cents in net_by_account(p).items():
            if account in wanted:
                revrec[account, p["currency"]] += cents
    assert set(revrec) <= set(shown) and {a for a, _ in shown} <= wanted
    currency_ids = {r["symbol"]: r["id"] for r in sb.execute("SELECT id, symbol FROM currency")}
    for (account, currency), cents in revrec.items():
        row = shown[account, currency]
        assert row["RevRec balance"] == money(cents).replace(",", "")
        gl = sb.execute(
            'SELECT CAST(ROUND(SUM(tl.foreignamount) * 100) AS INTEGER) AS c FROM "transaction" '
            't JOIN transactionline tl ON tl."transaction" = t.id WHERE tl.account = ? AND '
            "t.currency = ? AND t.posting = 'T' AND substr(t.trandate, 1, 10) <= '2026-10-31'",
            [int(account), currency_ids[currency]],
        )[0]["c"]
        assert row["GL balance"] == money(gl).replace(",", "")

    # Someone edits one posted entry in NetSuite (a line and, to keep it balanced as NetSuite
    # requires, a line of the other side by the same 1.23) and deletes another entry.
    edited, deleted = sorted(posted)[:2]
    held = {e["externalId"]: e for e in sb.journal_entries()}
    items = held[edited]["line"]["items"]
    line = items[0]
    side = "debit" if "debit" in line else "credit"
    other_side = "credit" if side == "debit" else "debit"
    pair = next(
        n
        for n, item in enumerate(items)
        if other_side in item and item["account"]["id"] != line["account"]["id"]
    )
    was = int(Decimal(str(line[side])) * 100)
    other_was = int(Decimal(str(items[pair][other_side])) * 100)
    sb.edit_journal_line(edited, 0, Decimal(was + 123).scaleb(-2), balance_with=pair)
    after = {e["externalId"]: e for e in sb.journal_entries()}[edited]["line"]["items"]
    assert int(Decimal(str(after[pair][other_side])) * 100) == other_was + 123
    assert sum(cents_of(i, "debit") for i in after) == sum(cents_of(i, "credit") for i in after)
    assert sb.delete_journal(f"eid:{deleted}")

    check = tieout(instance, post(instance, "2026-10"))
    assert not check.passed
    account, other_account = line["account"]["id"], items[pair]["account"]["id"]
    currency = posted[edited]["currency"]
    assert check.metadata["differing_entries"].value == 2
    sentences = check.description
    assert (
        f"{edited} (NetSuite journal {posted[edited]['netsuite_id']}) was edited in NetSuite: "
        in (sentences)
    )
    assert (
        f"account {account} {currency} {side} {money(was)} posted, {money(was + 123)} in NetSuite"
        in sentences
    )
    assert (
        f"account {other_account} {currency} {other_side} {money(other_was)} posted, "
        f"{money(other_was + 123)} in NetSuite" in sentences
    )
    assert (
        f"{deleted} (NetSuite journal {posted[deleted]['netsuite_id']}) was posted by RevRec but "
        "is not in NetSuite's ledger through 2026-10-31: it was deleted in NetSuite" in sentences
    )
    # Per currency, the absolute account differences: 1.23 on each edited line, every account of
    # the deleted entry.
    expected: dict[str, int] = defaultdict(int)
    expected[currency] += 2 * 123
    expected[posted[deleted]["currency"]] += sum(
        abs(v) for v in net_by_account(posted[deleted]).values()
    )
    for c in currencies:
        assert Decimal(str(check.metadata[f"difference_{c}"].value)) == Decimal(
            expected.get(c, 0)
        ).scaleb(-2)
    table = check.metadata["differences"].value.records
    assert {(r.data["Entry"], r.data["Finding"]) for r in table} == {
        (edited, "edited"),
        (deleted, "deleted"),
    }
    signed = 123 if side == "debit" else -123
    assert sorted(
        (r.data["Account"], r.data["Difference"]) for r in table if r.data["Entry"] == edited
    ) == sorted(
        [
            (account, str(Decimal(signed).scaleb(-2))),
            (other_account, str(Decimal(-signed).scaleb(-2))),
        ]
    )

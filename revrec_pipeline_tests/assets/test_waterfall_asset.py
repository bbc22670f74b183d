"""The waterfall's balances against the journals really posted to the sandbox, and the
`deferred_revenue_waterfall` asset's metadata (SPEC §11), on both store backends."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from revrec_pipeline.assets.metadata import amount
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.journals.waterfall import (
    deferred_revenue_waterfall,
    opening_balances,
    posted_account_net,
)
from revrec_pipeline.store import schema
from revrec_pipeline.store.journals import postings, read_journal_inputs, read_plan, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import (
    bill_100_more_on_an_october_invoice,
    post,
    sandbox_mapping_csv,
    sync,
)

GO_LIVE = "2026-10"


def cents(value) -> int:
    return int(Decimal(str(value or 0)) * 100)


def store_net(store, account: str, through: str) -> dict[str, int]:
    """Currency → debits − credits on `account` in the store's posted entries, periods ≤ through."""
    net: dict[str, int] = defaultdict(int)
    for row in postings(store):
        if row["period"] <= through and row["status"] == "posted":
            for line in json.loads(row["lines"]):
                if line["account_id"] == account:
                    net[row["currency"]] += line["debit_cents"] - line["credit_cents"]
    return dict(net)


def netsuite_net(sb, account: str) -> dict[str, int]:
    """The same, from the journal entries the sandbox holds (external id revrec-P-event-S<id>-
    CUR-n in this OneWorld account)."""
    net: dict[str, int] = defaultdict(int)
    for entry in sb.journal_entries():
        currency = str(entry["externalId"]).split("-")[-2]
        for item in entry["line"]["items"]:
            if str(item["account"]["id"]) == account:
                net[currency] += cents(item.get("debit")) - cents(item.get("credit"))
    return dict(net)


def computed(store, period: str):
    with store.read() as conn:
        billing, orders = read_journal_inputs(conn)
    wf = deferred_revenue_waterfall(billing, orders, period)
    opening = opening_balances(billing, orders, GO_LIVE).groupby("currency")
    return (
        wf,
        {c: int(v) for c, v in opening["deferred_cents"].sum().items()},
        {c: int(v) for c, v in opening["unbilled_cents"].sum().items()},
    )


def assert_balances_equal_posted(sb, store, period: str) -> None:
    accounts = sb.manifest["accounts"]
    deferred_account, unbilled_account = (
        str(accounts["deferred_revenue"]),
        str(accounts["unbilled_receivable"]),
    )
    wf, opening_deferred, opening_unbilled = computed(store, period)
    posted_deferred = store_net(store, deferred_account, period)
    posted_unbilled = store_net(store, unbilled_account, period)
    assert posted_deferred == netsuite_net(
        sb, deferred_account
    )  # the store says what NetSuite holds
    assert posted_unbilled == netsuite_net(sb, unbilled_account)
    with store.read() as conn:
        plan = [row for p in sorted({GO_LIVE, period}) for row in read_plan(conn, p)]
    assert posted_account_net(plan, [deferred_account]) == posted_deferred
    for currency in wf.rpo["currency"]:
        # Deferred revenue is a credit balance: opening + net credit posted.
        assert wf.totals("deferred_cents")[currency] == opening_deferred.get(
            currency, 0
        ) - posted_deferred.get(currency, 0), currency
        assert wf.totals("unbilled_cents")[currency] == opening_unbilled.get(
            currency, 0
        ) + posted_unbilled.get(currency, 0), currency


def per_customer_posted(store, through: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(customer, currency) → (net credit to deferred revenue, net debit to unbilled) posted."""
    table = schema.journal_detail
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with store.read() as conn:
        for event, customer, currency, cents_ in conn.execute(
            select(
                table.c.event, table.c.customer_id, table.c.currency, table.c.amount_cents
            ).where(table.c.period <= through)
        ):
            sign = {"billing": 1, "revenue": -1, "unbilled": 1}[event]
            out[(customer, currency)][0] += sign * cents_
            if event == "unbilled":
                out[(customer, currency)][1] += cents_
    return {k: tuple(v) for k, v in out.items()}


def go_live_and_close(sb, store, instance) -> None:
    set_go_live(store, GO_LIVE)
    sync(instance)
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, GO_LIVE)


def test_balances_equal_opening_plus_posted_journals(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    october = post(instance, GO_LIVE)
    assert october.success, october.summary()
    assert_balances_equal_posted(sb, store, GO_LIVE)

    wf, opening_deferred, _ = computed(store, GO_LIVE)
    # The relation is not trivial: there is activity before go-live (an opening balance), and
    # October's journals moved the balance.
    assert any(opening_deferred.values())
    assert wf.totals("deferred_cents") != opening_deferred

    # Per customer and currency too, from the posted journal detail.
    opening = opening_balances(*_inputs(store), GO_LIVE).set_index(["customer_id", "currency"])
    balances = wf.balances.set_index(["customer_id", "currency"])
    for key, (deferred_moved, unbilled_moved) in per_customer_posted(store, GO_LIVE).items():
        before = opening.loc[key] if key in opening.index else None
        assert int(balances.loc[key, "deferred_cents"]) == deferred_moved + (
            int(before["deferred_cents"]) if before is not None else 0
        ), key
        assert int(balances.loc[key, "unbilled_cents"]) == unbilled_moved + (
            int(before["unbilled_cents"]) if before is not None else 0
        ), key

    # An October invoice edited after October closed: +100.00 billed (NetSuite holds invoice
    # item lines as negative foreignamount), so 100.00 more deferred or less unbilled at once;
    # the posted journals catch up at November's close.
    bill_100_more_on_an_october_invoice(sb, dataset.manifest)
    sync(instance)
    edited, _, _ = computed(store, GO_LIVE)
    usd = "USD"
    moved = (edited.totals("unbilled_cents")[usd] - wf.totals("unbilled_cents")[usd]) - (
        edited.totals("deferred_cents")[usd] - wf.totals("deferred_cents")[usd]
    )
    assert moved == -10000
    # ... and differs from opening + posted by exactly that, until November posts the catch-up.
    accounts = sb.manifest["accounts"]
    _, opening_deferred, opening_unbilled = computed(store, GO_LIVE)
    expected_deferred = opening_deferred[usd] - store_net(
        store, str(accounts["deferred_revenue"]), GO_LIVE
    ).get(usd, 0)
    expected_unbilled = opening_unbilled[usd] + store_net(
        store, str(accounts["unbilled_receivable"]), GO_LIVE
    ).get(usd, 0)
    gap = (edited.totals("deferred_cents")[usd] - expected_deferred) - (
        edited.totals("unbilled_cents")[usd] - expected_unbilled
    )
    assert gap == 10000
    close_period(store, "2026-11")
    november = post(instance, "2026-11")
    assert november.success, november.summary()
    assert_balances_equal_posted(sb, store, "2026-11")
    assert "deferred_revenue_waterfall" in november.materializations


def _inputs(store):
    with store.read() as conn:
        return read_journal_inputs(conn)


def test_asset_metadata_per_currency(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    result = post(instance, GO_LIVE)
    assert result.success, result.summary()
    metadata = result.materializations["deferred_revenue_waterfall"]
    wf, _, _ = computed(store, GO_LIVE)
    currencies = sorted(wf.rpo["currency"])
    assert len(currencies) >= 2
    for currency in currencies:
        for name in ("deferred", "unbilled", "rpo", "crpo"):
            value = metadata[f"{name}_{currency}"]
            assert isinstance(value, float)
            assert Decimal(repr(value)) == amount(wf.totals(f"{name}_cents")[currency]), name
        row = wf.rpo.set_index("currency").loc[currency]
        assert row["rpo_cents"] == row["contract_cents"] - row["recognized_cents"]
        assert 0 <= row["crpo_cents"] <= row["rpo_cents"]
    assert metadata["period"] == GO_LIVE
    rpo_rows = {r.data["currency"]: r.data for r in metadata["rpo"].records}
    assert sorted(rpo_rows) == currencies
    for currency, data in rpo_rows.items():
        assert Decimal(data["rpo"]) == amount(wf.totals("rpo_cents")[currency])
        assert Decimal(data["deferred"]) == amount(wf.totals("deferred_cents")[currency])
    waterfall = metadata["waterfall"]
    names = [c.name for c in waterfall.schema.columns]
    assert names[:6] == ["customer", "currency", "subsidiary", "product", "contract", "recognized"]
    assert names[6:18] == list(wf.months) and names[-1] == "later"
    assert len(waterfall.records) == min(len(wf.lines), 100)
    assert metadata["dagster/row_count"] == len(wf.lines)
    first = waterfall.records[0].data
    line = wf.lines.iloc[0]
    assert first["customer"] == line["customer_id"]
    assert Decimal(first["contract"]) == amount(line["contract_cents"])
    assert Decimal(first[wf.months[0]]) == amount(line[wf.months[0]])

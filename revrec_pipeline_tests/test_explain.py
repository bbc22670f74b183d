"""`revrec explain` (SPEC §11 audit trail) on the sandbox flow, both store backends: every
journal line of a posted period adds up from its parts, and they from their billing schedule and
sales order lines, also when a later period catches up an edited prior-period invoice."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from revrec_pipeline.cli import main
from revrec_pipeline.journals.explain import (
    BALANCE,
    BILLING_LINE,
    CATCH_UP,
    CHANGED,
    PERIOD,
    POSTED_DETAIL,
    SALES_ORDER_LINE,
)
from revrec_pipeline.store import schema
from revrec_pipeline.store.explain import explain_from_store
from revrec_pipeline.store.periods import close_period
from revrec_pipeline_tests.assets.test_journal_posting import (
    cents,
    go_live_and_close,
    sandbox_entries,
)
from revrec_pipeline_tests.pipeline_helpers import bill_100_more_on_an_october_invoice, post, sync

KEY = ["event", "customer_id", "currency", "product_code"]


def table(store, t, *where) -> pd.DataFrame:
    with store.read() as conn:
        rows = conn.execute(select(t).where(*where))
        return pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))


def netsuite_lines(sb, period: str) -> dict[tuple[str, int], tuple[str, int, int]]:
    """(external id, line number) → (account, debit, credit) as the sandbox NetSuite holds them."""
    return {
        (external_id, number): (
            str(item["account"]["id"]),
            cents(item.get("debit")),
            cents(item.get("credit")),
        )
        for external_id, entry in sandbox_entries(sb, f"revrec-{period}-").items()
        for number, item in enumerate(entry["line"]["items"], start=1)
    }


def assert_adds_up(sb, store, explanation, period: str) -> None:
    """Every level adds up exactly, against what NetSuite and the store hold independently."""
    lines = explanation.lines
    held = netsuite_lines(sb, period)
    assert len(lines) == len(held) > 0
    for line in lines.itertuples(index=False):
        account, debit, credit = held[(line.external_id, line.line)]
        assert account == line.account_id
        assert (debit, credit) == (
            (line.amount_cents, 0) if line.side == "debit" else (0, line.amount_cents)
        )
        parts = explanation.contributions[
            (explanation.contributions["external_id"] == line.external_id)
            & (explanation.contributions["line"] == line.line)
        ]
        assert len(parts) > 0
        assert int(parts["amount_cents"].sum()) == line.amount_cents, line

    # Each detail row the store froze: its components sum to it; each component's sources to it.
    details = table(store, schema.journal_detail, schema.journal_detail.c.period == period)
    composed = explanation.components.groupby(KEY)["amount_cents"].sum()
    assert len(details) > 0
    for row in details.itertuples(index=False):
        key = (row.event, row.customer_id, row.currency, row.product_code)
        assert int(composed[key]) == row.amount_cents, key
    sources = explanation.sources.groupby([*KEY, "component"])["amount_cents"].sum()
    for component in explanation.components.itertuples(index=False):
        key = (component.event, component.customer_id, component.currency, component.product_code)
        total = int(sources.get((*key, component.component), 0))
        if component.component == CHANGED or (component.component == BALANCE and component.note):
            assert total == 0  # no line behind it, said so in the label or note
        else:
            assert total == component.amount_cents, component
    # Each contribution is a whole detail, signed to its line's side.
    amounts = details.set_index(KEY)["amount_cents"]
    for part in explanation.contributions.itertuples(index=False):
        key = (part.event, part.customer_id, part.currency, part.product_code)
        assert part.amount_cents == part.sign * amounts[key]


def billing_lines(store, period: str) -> pd.DataFrame:
    return table(
        store, schema.billing_schedule_line, schema.billing_schedule_line.c.period == period
    )


def test_every_line_of_a_posted_period_adds_up_to_its_sources(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    explanation = explain_from_store(store, "2026-10")
    assert_adds_up(sb, store, explanation, "2026-10")

    # The first period has no catch-up; its billing parts are exactly October's billing lines.
    assert set(explanation.components["component"]) <= {PERIOD, BALANCE, "opening"}
    sources = explanation.sources
    billed = sources[(sources["event"] == "billing") & (sources["component"] == PERIOD)]
    october = billing_lines(store, "2026-10")
    october = october[october["amount_cents"] != 0]
    assert set(zip(billed["netsuite_id"], billed["line_id"], strict=True)) <= set(
        zip(october["netsuite_id"], october["line_id"], strict=True)
    )
    assert int(billed["amount_cents"].sum()) == int(october["amount_cents"].sum())
    assert set(billed["source"]) == {BILLING_LINE} and set(billed["period"]) == {"2026-10"}
    # Revenue parts are sales order lines, each a real one from the store.
    revenue = sources[sources["event"] == "revenue"]
    assert set(revenue["source"]) == {SALES_ORDER_LINE}
    orders = table(store, schema.crm_sales_order_line)
    assert set(zip(revenue["order_number"], revenue["order_item_number"], strict=True)) <= set(
        zip(orders["order_number"], orders["order_item_number"], strict=True)
    )


def test_a_catch_up_of_an_edited_october_invoice_adds_up_in_november(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success

    # Edit an October USD invoice line after October closed: +100.00 billed (GL sign).
    invoice = bill_100_more_on_an_october_invoice(sb, dataset.manifest)
    sync(instance)
    edited = table(
        store,
        schema.billing_schedule_line,
        schema.billing_schedule_line.c.netsuite_id == invoice["id"],
        schema.billing_schedule_line.c.line_id == invoice["line"],
    ).iloc[0]
    key = ("billing", edited["customer_id"], edited["currency"], edited["product_code"] or "")
    close_period(store, "2026-11")
    assert post(instance, "2026-11").success, "november"

    november = explain_from_store(store, "2026-11")
    assert_adds_up(sb, store, november, "2026-11")
    components = november.components.set_index([*KEY, "component"])["amount_cents"]
    assert int(components[(*key, CATCH_UP)]) == 10000
    # The catch-up shows the October lines as they stand now against what October posted.
    catch_up = november.sources.groupby([*KEY, "component"]).get_group((*key, CATCH_UP))
    assert (invoice["id"], invoice["line"]) in set(
        zip(catch_up["netsuite_id"], catch_up["line_id"], strict=True)
    )
    posted = catch_up[catch_up["source"] == POSTED_DETAIL]
    october_detail = table(
        store,
        schema.journal_detail,
        schema.journal_detail.c.period == "2026-10",
        schema.journal_detail.c.event == "billing",
        schema.journal_detail.c.customer_id == key[1],
        schema.journal_detail.c.currency == key[2],
        schema.journal_detail.c.product_code == key[3],
    )
    assert posted["amount_cents"].tolist() == [-int(october_detail["amount_cents"].iloc[0])]
    assert posted["period"].tolist() == ["2026-10"]

    # October, explained now: its frozen detail differs from today's data by the edit, shown as
    # a part without sources (caught up in November), and the lines still add up.
    october = explain_from_store(store, "2026-10")
    assert_adds_up(sb, store, october, "2026-10")
    changed = october.components[october.components["component"] == CHANGED]
    assert [
        (tuple(r[k] for k in KEY), r["amount_cents"]) for r in changed.to_dict(orient="records")
    ] == [(key, -10000)]


AMOUNT = re.compile(r"^( *)(.*?)\s+(-?[0-9][0-9,]*\.[0-9]{2})$")


def printed_blocks(out: str) -> list[list[tuple[int, str, int]]]:
    """The journal line blocks of `revrec explain`: (indent, text, cents) rows."""
    blocks, current = [], None
    for text in out.splitlines():
        found = AMOUNT.match(text)
        if found and not found.group(1):
            current = []
            blocks.append(current)
        if found and current is not None:
            amount = int(Decimal(found.group(3).replace(",", "")) * 100)
            current.append((len(found.group(1)), found.group(2), amount))
    return blocks


def assert_printed_levels_add_up(block) -> None:
    """Each row equals the sum of the rows indented one level below it, up to the next peer."""
    for i, (indent, text, amount) in enumerate(block):
        children = []
        for deeper, _, cents_ in block[i + 1 :]:
            if deeper <= indent:
                break
            if deeper == indent + 2:
                children.append(cents_)
        if children:
            assert sum(children) == amount, text


def test_the_command_prints_each_line_with_its_parts_and_filters(flow, capsys):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    explanation = explain_from_store(store, "2026-10")

    assert main(["explain", "2026-10"]) == 0
    out = capsys.readouterr().out
    blocks = printed_blocks(out)
    assert len(blocks) == len(explanation.lines)
    for block, line in zip(blocks, explanation.lines.itertuples(index=False), strict=True):
        _indent, header, amount = block[0]
        assert header.startswith(
            f"{line.external_id} line {line.line}: account {line.account_id} {line.side}"
        )
        assert amount == line.amount_cents
        assert_printed_levels_add_up(block)
        assert any("Invoice " in text or "Sales order " in text for _, text, _ in block)
    assert f"{len(explanation.lines)} of {len(explanation.lines)} lines shown" in out

    deferred = str(dataset.manifest["accounts"]["deferred_revenue"])
    assert main(["explain", "2026-10", "--account", deferred]) == 0
    blocks = printed_blocks(capsys.readouterr().out)
    on_deferred = explanation.lines[explanation.lines["account_id"] == deferred]
    assert len(blocks) == len(on_deferred) > 0
    assert all(f": account {deferred} " in block[0][1] for block in blocks)

    customer = "CRM-0001"
    assert main(["explain", "2026-10", "--customer", customer]) == 0
    out = capsys.readouterr().out
    blocks = printed_blocks(out)
    parts = explanation.contributions[explanation.contributions["customer_id"] == customer]
    assert len(blocks) == len(parts.groupby(["external_id", "line"])) > 0
    customers = {text.split()[1] for block in blocks for indent, text, _ in block if indent == 2}
    assert customers == {customer}
    assert f"(only customer {customer}'s parts of this line are shown)" in out
    expected = defaultdict(int)
    for part in parts.itertuples(index=False):
        expected[(part.external_id, part.line)] += part.amount_cents
    shown = {
        (block[0][1].split()[0], int(block[0][1].split()[2].rstrip(":"))): sum(
            c for indent, _, c in block if indent == 2
        )
        for block in blocks
    }
    assert shown == dict(expected)

    # Refusals: one sentence each, exit 1, nothing on stdout.
    for argv, message in (
        (["explain", "2026-13"], "'2026-13' is not an accounting period; expected YYYY-MM"),
        (["explain", "2026-11"], "2026-11 has no journal plan yet, so there is nothing to explain"),
        (
            ["explain", "2026-10", "--account", "999999"],
            "No journal line of 2026-10 is on account 999999",
        ),
        (
            ["explain", "2026-10", "--customer", "NOBODY"],
            "No journal line of 2026-10 has a part for customer NOBODY.",
        ),
    ):
        assert main(argv) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"revrec: {message}")
        assert len(captured.err.strip().splitlines()) == 1


def test_help_explains_the_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "every journal line with the event, customer and product amounts" in text
    assert "--account ID" in text and "--customer ID" in text and "YYYY-MM" in text


def test_every_line_of_the_demo_period_adds_up_to_the_cent(tmp_path):
    """SPEC §11 must-show: `revrec explain` totals equal the journal lines of a demo period."""
    import json
    import os

    from revrec_pipeline.demo import GO_LIVE_PERIOD, run_demo
    from revrec_pipeline.journals.explain import explanation_text
    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.journals import postings

    home = tmp_path / "demo"
    saved = dict(os.environ)
    try:  # the demo sets up its own environment in os.environ: keep it out of other tests
        assert run_demo(size="tiny", seed=7, home=str(home), progress=lambda _: None) == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    store = RevRecStore(f"sqlite:///{home.resolve() / 'revrec.db'}")
    explanation = explain_from_store(store, GO_LIVE_PERIOD)

    # The lines as the store recorded them posted and verified against NetSuite's read-back.
    posted = {}
    for entry in postings(store, GO_LIVE_PERIOD):
        assert entry["status"] == "posted" and entry["verified"]
        for number, line in enumerate(json.loads(entry["lines"]), start=1):
            posted[(entry["external_id"], number)] = (
                line["account_id"],
                line["debit_cents"],
                line["credit_cents"],
            )
    assert len(explanation.lines) == len(posted) > 0
    totals = explanation.contributions.groupby(["external_id", "line"])["amount_cents"].sum()
    for line in explanation.lines.itertuples(index=False):
        account, debit, credit = posted[(line.external_id, line.line)]
        assert account == line.account_id
        assert int(totals[(line.external_id, line.line)]) == debit + credit == line.amount_cents
    sources = explanation.sources.groupby([*KEY, "component"])["amount_cents"].sum()
    for component in explanation.components.itertuples(index=False):
        if component.component == CHANGED or component.note:
            continue
        key = (component.event, component.customer_id, component.currency, component.product_code)
        assert int(sources[(*key, component.component)]) == component.amount_cents

    blocks = printed_blocks("\n".join(explanation_text(explanation)))
    assert len(blocks) == len(posted)
    for block in blocks:
        assert_printed_levels_add_up(block)

"""`revrec waterfall YYYY-MM` (SPEC §10, §11): the RPO summary and the waterfall, computed from
the store, and its refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from revrec_pipeline.cli import main
from revrec_pipeline.journals.waterfall import future_periods
from revrec_pipeline.store import schema
from revrec_pipeline_tests.assets.test_waterfall_asset import GO_LIVE, go_live_and_close
from revrec_pipeline_tests.pipeline_helpers import post


def section(out: str, title: str) -> list[str]:
    """The lines of a section: from the line after `title` to the next blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_waterfall_command_prints_rpo_and_waterfall(flow, capsys):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    result = post(instance, GO_LIVE)
    assert result.success, result.summary()
    asset = result.materializations["deferred_revenue_waterfall"]
    capsys.readouterr()

    assert main(["waterfall", GO_LIVE]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Deferred revenue waterfall as of 2026-10-31 (period 2026-10); amounts in each row's "
        "currency; balances cover all activity, with the opening balances at go-live (2026-10)."
    )
    rpo = section(out, "RPO per currency")
    assert rpo[0].split() == [
        "currency",
        "contract",
        "recognized",
        "RPO",
        "cRPO",
        "deferred",
        "unbilled",
    ]
    with store.read() as conn:
        contract = dict(
            conn.execute(
                select(
                    schema.crm_sales_order_line.c.currency,
                    func.sum(schema.crm_sales_order_line.c.amount_cents),
                ).group_by(schema.crm_sales_order_line.c.currency)
            ).all()
        )
    rows = {line.split()[0]: [decimal(v) for v in line.split()[1:]] for line in rpo[1:]}
    assert sorted(rows) == sorted(contract) and len(rows) >= 2
    for currency, (total, recognized, remaining, current, deferred, unbilled) in rows.items():
        assert total == Decimal(int(contract[currency])).scaleb(-2)  # the orders as stored
        assert remaining == total - recognized
        assert 0 <= current <= remaining
        # The same figures the asset reported for the period in the posting run.
        for name, value in (
            ("rpo", remaining),
            ("crpo", current),
            ("deferred", deferred),
            ("unbilled", unbilled),
        ):
            assert Decimal(repr(asset[f"{name}_{currency}"])) == value, (name, currency)
    # Aligned: every row of a table is as long as its header or shorter only by trailing blanks.
    waterfall = section(out, "Waterfall per customer")
    assert waterfall[0].split() == [
        "customer",
        "currency",
        "subsidiary",  # the sandbox account has OneWorld
        "product",
        "contract",
        "recognized",
        *future_periods(GO_LIVE),
        "later",
    ]
    assert len(waterfall) - 1 == asset["dagster/row_count"]
    assert len({len(line) for line in waterfall}) == 1
    assert len({len(line) for line in rpo}) == 1
    # Each waterfall row: contract = recognized + the 12 months + later.
    for line in waterfall[1:]:
        cells = [decimal(v) for v in line.split()[-15:]]
        assert cells[0] == sum(cells[1:]), line
    balances = section(out, "Balances per customer and currency")
    for line in balances[1:]:
        billed, recognized, deferred, unbilled = (decimal(v) for v in line.split()[-4:])
        assert deferred == max(billed - recognized, 0) and unbilled == max(recognized - billed, 0)


def test_waterfall_command_refuses_open_and_malformed_periods(flow, capsys):
    sb, _dataset, store, instance, _home = flow
    assert main(["waterfall", "2026-10"]) == 1
    assert capsys.readouterr().err == (
        "revrec: Period 2026-10 is not closed, so it has no waterfall yet (none is closed yet); "
        "the waterfall is reported as of a closed period's end.\n"
    )
    go_live_and_close(sb, store, instance)
    capsys.readouterr()
    assert main(["waterfall", "2026-11"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "revrec: Period 2026-11 is not closed, so it has no waterfall yet (the latest closed "
        "period is 2026-10); the waterfall is reported as of a closed period's end.\n"
    )
    assert main(["waterfall", "2026-13"]) == 1
    assert capsys.readouterr().err == (
        "revrec: '2026-13' is not an accounting period; expected YYYY-MM, e.g. 2026-10.\n"
    )


def test_waterfall_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["waterfall", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "usage: revrec waterfall [-h] YYYY-MM" in out
    assert "RPO and cRPO" in " ".join(out.split())

"""`revrec demo` ends with the RPO summary of the period it closed and its close workbook
(SPEC §10, §11)."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl

from revrec_pipeline.assets.metadata import amount
from revrec_pipeline.demo import GO_LIVE_PERIOD, run_demo
from revrec_pipeline.journals.waterfall import deferred_revenue_waterfall
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.journals import postings, read_journal_inputs


def test_the_demo_ends_with_the_rpo_summary_of_the_closed_period(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)
    lines: list[str] = []
    try:
        assert run_demo(size="tiny", home=str(tmp_path / "demo"), progress=lines.append) == 0
    finally:  # the demo sets its own environment for the process
        os.environ.clear()
        os.environ.update(saved)
    store = RevRecStore(f"sqlite:///{tmp_path / 'demo' / 'revrec.db'}")
    with store.read() as conn:
        billing, orders = read_journal_inputs(conn)
    rpo = deferred_revenue_waterfall(billing, orders, GO_LIVE_PERIOD).rpo
    assert len(rpo) > 0

    printed = "\n".join(lines).splitlines()
    start = next(i for i, line in enumerate(printed) if "Remaining performance obligation" in line)
    header, rule, *rows = printed[start + 1 : start + 3 + len(rpo)]
    assert header.split()[:1] == ["currency"] and set(rule.strip()) <= {"-", " "}
    shown = {row.split()[0]: row.split()[1:] for row in rows}
    for row in rpo.itertuples():
        cells = shown[row.currency]
        assert str(amount(row.rpo_cents)) in cells and str(amount(row.crpo_cents)) in cells

    # ... and then the close workbook of that period: it exists and holds its five tabs.
    (workbook,) = [
        line.split(": ", 1)[1] for line in printed if line.startswith("Close workbook: ")
    ]
    path = Path(workbook)
    assert path == tmp_path / "demo" / "close" / f"close-{GO_LIVE_PERIOD}.xlsx"
    assert path.is_file()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["JournalEntries", "JournalDetail", "Waterfall", "RPO", "TieOut"]
    assert book["TieOut"]["B2"].value == "OK"
    assert book["Waterfall"]._charts

    # The demo account is OneWorld with three operating subsidiaries: the journals it prints
    # are per subsidiary, each in that subsidiary's entries as the store holds them.
    start = next(i for i, line in enumerate(printed) if line.startswith("Journal entries posted"))
    header, _rule, *table = printed[start + 1 :]
    table = table[: next(i for i, line in enumerate(table) if not line.strip())]
    assert header.split()[:3] == ["event", "subsidiary", "currency"]
    shown = {(row.split()[0], row.split()[1], row.split()[2]) for row in table}
    stored = {(p["event"], p["subsidiary"], p["currency"]) for p in postings(store, GO_LIVE_PERIOD)}
    assert shown == stored
    subsidiaries = {subsidiary for _, subsidiary, _ in stored}
    assert len(subsidiaries) >= 2 and subsidiaries <= {"1", "2", "3"}  # tiny: UK may be quiet

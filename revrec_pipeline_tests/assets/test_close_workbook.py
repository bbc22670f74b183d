"""The close workbook and the kept tie-outs end to end on the sandbox (SPEC §11), on both store
backends: posting a period writes REVREC_HOME/close/close-YYYY-MM.xlsx holding what the store
posted and the tie-out; an entry edited in NetSuite shows on the rewritten TieOut tab, in the
store's tie-out history and in what `revrec journals post` and `revrec status` print; a tie-out
that cannot read NetSuite's ledger is a kept warning and the workbook is still written."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl

from revrec_pipeline.cli import main
from revrec_pipeline.store import schema
from revrec_pipeline.store.journals import postings
from revrec_pipeline.store.tieout import latest_tieouts
from revrec_pipeline_tests.assets.test_journal_posting import go_live_and_close
from revrec_pipeline_tests.pipeline_helpers import check_evaluations, post

PERIOD = "2026-10"


def cents(value) -> int:
    return int((Decimal(repr(value)) * 100).to_integral_value()) if value is not None else 0


def rows_of(ws) -> list[dict]:
    header, *rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(header, r, strict=True)) for r in rows]


def tieout_tab(path: Path) -> tuple[dict, list[dict]]:
    """The TieOut tab's status row and its difference rows."""
    rows = list(openpyxl.load_workbook(path)["TieOut"].iter_rows(values_only=True))
    head = dict(zip(rows[0], rows[1], strict=False))
    start = next(i for i, r in enumerate(rows) if r[0] == "Entry External ID")
    differences = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        differences.append(dict(zip(rows[start], row, strict=True)))
    return head, differences


def test_posting_writes_the_close_workbook_and_an_edit_in_netsuite_shows_on_it(flow, capsys):
    sb, _dataset, store, instance, home = flow
    go_live_and_close(sb, store, instance)
    run = post(instance, PERIOD)
    assert run.success, run.summary()
    path = home / "close" / f"close-{PERIOD}.xlsx"
    meta = run.materializations["close_workbook"]
    assert meta["path"] == str(path.resolve()) and path.is_file()
    assert meta["tieout"] == "OK" and meta["chart"] is True

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["JournalEntries", "JournalDetail", "Waterfall", "RPO", "TieOut"]
    assert book["Waterfall"]._charts
    # JournalEntries: every line of every posting the store holds, with its NetSuite id.
    stored = {p["external_id"]: p for p in postings(store, PERIOD)}
    assert {p["status"] for p in stored.values()} == {"posted"} and len(stored) > 2
    shown = rows_of(book["JournalEntries"])
    assert meta["rows_JournalEntries"] == len(shown)
    expected = [
        (
            eid,
            n,
            int(p["netsuite_id"]),
            "posted",
            ln["account_id"],
            ln["debit_cents"],
            ln["credit_cents"],
        )
        for eid, p in sorted(stored.items())
        for n, ln in enumerate(json.loads(p["lines"]), start=1)
    ]
    assert [
        (
            r["Entry External ID"],
            r["Line"],
            r["NetSuite ID"],
            r["Status"],
            r["Account"],
            cents(r["Debit"]),
            cents(r["Credit"]),
        )
        for r in shown
    ] == expected
    # JournalDetail: each line's parts add up to it to the cent.
    sums: dict[tuple, int] = {}
    for row in rows_of(book["JournalDetail"]):
        key = (row["Entry External ID"], row["Line"])
        sums[key] = sums.get(key, 0) + cents(row["Amount"])
    assert sums == {(e, n): d or c for e, n, _id, _s, _a, d, c in expected}
    head, differences = tieout_tab(path)
    assert (head["Status"], head["Entries Checked"], differences) == ("OK", len(stored), [])

    kept = latest_tieouts(store)
    assert list(kept) == [PERIOD] and kept[PERIOD]["passed"]
    assert kept[PERIOD]["entries_checked"] == len(stored)

    # Someone edits a posted entry in NetSuite, keeping it balanced: +1.00 on line 0 and on a
    # line of the other side.
    edited = sorted(stored)[0]
    items = {e["externalId"]: e for e in sb.journal_entries()}[edited]["line"]["items"]
    side = "debit" if "debit" in items[0] else "credit"
    other = "credit" if side == "debit" else "debit"
    pair = next(n for n, item in enumerate(items) if other in item)
    was = Decimal(str(items[0][side]))
    sb.edit_journal_line(edited, 0, was + 1, balance_with=pair)
    before = path.stat().st_mtime_ns

    assert main(["journals", "post", PERIOD]) == 0
    out = capsys.readouterr().out
    assert f"Tie-out {PERIOD} (checked " in out
    assert f"UTC): DIFFERENCE, 1 RevRec entry differs in NetSuite ({len(stored)} checked):" in out
    entry_line = next(line for line in out.splitlines() if line.startswith(f"  {edited} "))
    account = str(items[0]["account"]["id"])
    assert f"  {edited} edited: account {account} " in entry_line
    money = f"{was:,.2f}"
    assert f"{side} {money} posted, {was + 1:,.2f} in NetSuite" in entry_line
    assert f"Close workbook: {path.resolve()}" in out

    # The workbook was rewritten: its TieOut tab names the edited entry and both accounts.
    assert path.stat().st_mtime_ns > before
    head, differences = tieout_tab(path)
    assert head["Status"] == "DIFFERENCE" and head["Differing Entries"] == 1
    assert edited in head["Summary"]
    assert {d["Entry External ID"] for d in differences} == {edited}
    assert {d["Account"] for d in differences} == {account, str(items[pair]["account"]["id"])}
    assert sorted(cents(d["Difference"]) for d in differences) == [-100, 100]

    # The store keeps every tie-out; the latest is the difference.
    with store.read() as conn:
        assert len(list(conn.execute(schema.gl_tieout.select()))) == 2
    latest = latest_tieouts(store)[PERIOD]
    assert not latest["passed"] and {d["external_id"] for d in latest["differences"]} == {edited}

    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "GL tie-out (latest per period):" in status
    assert f"  Tie-out {PERIOD} (checked " in status and f"    {edited} edited: " in status

    # Put back as it was: the next run's tie-out is OK again, and says so.
    sb.edit_journal_line(edited, 0, was, balance_with=pair)
    assert main(["journals", "post", PERIOD]) == 0
    out = capsys.readouterr().out
    assert f"OK, {len(stored)} entries as posted." in out
    assert tieout_tab(path)[0]["Status"] == "OK"


def test_a_tieout_that_cannot_read_netsuite_is_kept_and_the_workbook_still_written(flow):
    sb, _dataset, store, instance, home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, PERIOD).success
    path = home / "close" / f"close-{PERIOD}.xlsx"
    # A re-run posts nothing new: its first NetSuite request is the tie-out's, refused.
    sb.fail_next(1, status=400)
    run = post(instance, PERIOD)
    assert run.success, run.summary()
    check = check_evaluations(instance, run.run_id)["gl_tieout"]
    assert not check.passed
    assert check.description.startswith(
        f"The tie-out of {PERIOD} could not read NetSuite's ledger, so nothing was compared: "
    )
    latest = latest_tieouts(store)[PERIOD]
    assert not latest["passed"] and latest["error"] == check.description
    assert run.materializations["close_workbook"]["tieout"] == "NOT CHECKED"
    head, differences = tieout_tab(path)
    assert head["Status"] == "NOT CHECKED" and head["Summary"] == check.description
    assert differences == []


def test_the_close_workbook_waits_for_the_tieout_of_its_run():
    """The gl_tieout check is blocking: in the posting job the workbook's step depends on the
    check's, so its TieOut tab holds the run's own tie-out (a warning never stops it)."""
    from revrec_pipeline.definitions import build_definitions
    from revrec_pipeline.settings import load_settings

    job = build_definitions(load_settings()).resolve_job_def("journal_posting_job")
    upstream = job.graph.dependency_structure.input_to_upstream_outputs_for_node("close_workbook")
    nodes = {output.node_name for outputs in upstream.values() for output in outputs}
    assert nodes == {"posted_journals", "posted_journals_gl_tieout", "deferred_revenue_waterfall"}

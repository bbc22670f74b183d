"""The Dagster UI in a real browser (issue 10, "Must show"): Chromium driven by Playwright on
`dagster dev` over the demo's store and instance, with a NetSuite sandbox on the demo's data.

One `dagster dev` and one browser serve every scenario (module-scoped fixture). Screenshots of
each step go to REVREC_UI_SCREENSHOTS (default .ci/artifacts/ui-screenshots; the path is printed).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from revrec_pipeline.demo import GO_LIVE_PERIOD, run_demo
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.settings import CREDENTIAL_FIELDS
from revrec_pipeline_tests.browser_helpers import (
    Screenshots,
    asset_metadata,
    chromium,
    expect_run_page_started,
    launch_from_launchpad,
    materialize_partition,
    open_launchpad,
    screenshot_folder,
    scroll_launchpad_to,
    watch_run,
)
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment
from revrec_pipeline_tests.ui_smoke_helpers import LOCATION_NAME, DagsterDev

# One dagster dev for the module: its tests share a worker under `-n` (`--dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ui_browser")]

SEED, SIZE = 42, "tiny"  # the demo's seed; the sandbox below serves the same data
STARTUP_TIMEOUT = 120
RUN_TIMEOUT = 240  # a UI run starts a process per step; 2 cores shared with the suite
MASK = "********"
# A decimal amount as a reader sees it: 31,782.50 or -2800.00, perhaps with its currency.
DECIMAL_AMOUNT = re.compile(r"^(?:[A-Z]{3} ?|[$€£] ?)?-?\d{1,3}(?:,?\d{3})*\.\d{2}(?: ?[A-Z]{3})?$")


@dataclass
class UI:
    dev: DagsterDev
    sandbox: NetSuiteSandbox
    home: Path
    database_url: str
    page: object  # playwright.sync_api.Page
    shots: Screenshots
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    started = time.monotonic()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.monotonic() - started, 1)

    root = tmp_path_factory.mktemp("ui-browser")
    home = root / "demo"
    saved = dict(os.environ)
    try:  # the demo sets up its own environment in os.environ: keep it out of other tests
        assert run_demo(size=SIZE, seed=SEED, home=str(home), progress=lambda _: None) == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    lap("demo")

    # The demo's sandbox is gone with the demo: the same seed serves the same account.
    sandbox = NetSuiteSandbox(
        SandboxConfig(subsidiaries="several"), generate_dataset(seed=SEED, size=SIZE)
    )
    sandbox.start(port=0)
    database_url = f"sqlite:///{home.resolve() / 'revrec.db'}"  # the demo's own store
    dagster_home = home / "dagster"  # the demo's own instance: its runs show in the UI
    # Dagster's first-visit dialog ("Join the Dagster community") is dismissed once per
    # instance by this file; without it the dialog covers the first page.
    (dagster_home / ".nux").mkdir(parents=True, exist_ok=True)
    (dagster_home / ".nux" / "nux.yaml").write_text("seen: 1\n")
    env = {**os.environ, **sandbox_environment(sandbox, home, database_url)}
    dev = DagsterDev(env, dagster_home, root / "dagster-dev.log")
    survivors: list[str] = []
    try:
        dev.start(STARTUP_TIMEOUT)
        dev.wait_for_location(LOCATION_NAME, STARTUP_TIMEOUT)
        lap("dagster dev up")
        with chromium() as page:
            lap("browser up")
            yield UI(dev, sandbox, home, database_url, page, Screenshots(screenshot_folder()))
            lap("scenarios done")
    finally:
        survivors = dev.stop()
        sandbox.close()
        lap("stopped")
        print(f"ui browser timings (s since start): {timings}; left running: {survivors}")
    assert not survivors, f"processes left after stopping dagster dev: {survivors}"


def test_launchpad_default_config_launches_invoice_sync(ui):
    """(b) The Launchpad's default config shows the secrets as environment variables and the
    run it launches succeeds against the sandbox."""
    page, shots = ui.page, ui.shots
    config = open_launchpad(page, ui.dev.url, LOCATION_NAME, "invoice_sync_job")
    assert MASK not in config, "the Launchpad pre-fills a masked secret"
    for variable in CREDENTIAL_FIELDS["tba"].values():
        assert f"env: {variable}" in config, f"the Launchpad does not show {{env: {variable}}}"
        assert ui.sandbox.environment()[variable] not in config, f"the Launchpad shows ${variable}"
    scroll_launchpad_to(page, "token_secret")
    shots.take(page, "launchpad invoice_sync_job")

    run_id = launch_from_launchpad(page)
    expect_run_page_started(page, run_id)
    shots.take(page, "invoice_sync_job run started")
    watch_run(page, ui.dev, run_id, RUN_TIMEOUT)
    shots.take(page, "invoice_sync_job run succeeded")

    # A sync run (the demo set the go-live period) that wrote its own workbook.
    workbooks = list((ui.home / "sync_jobs").glob(f"*-{run_id[:8]}.xlsx"))
    assert len(workbooks) == 1, f"no sync workbook of run {run_id} in {ui.home / 'sync_jobs'}"


def test_materialize_posted_journals_for_a_closed_period(ui):
    """(a) posted_journals: Materialize…, the closed period picked in the dialog, the run
    succeeds and the asset shows the NetSuite journal ids the store holds, with links."""
    from playwright.sync_api import expect

    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.journals import postings

    page, shots = ui.page, ui.shots
    run_id = materialize_partition(page, ui.dev.url, "posted_journals", GO_LIVE_PERIOD, shots)
    expect_run_page_started(page, run_id)
    shots.take(page, f"posted_journals {GO_LIVE_PERIOD} run started")
    watch_run(page, ui.dev, run_id, RUN_TIMEOUT)
    expect(page.get_by_text(f"partition: {GO_LIVE_PERIOD}", exact=True)).to_be_visible()
    shots.take(page, f"posted_journals {GO_LIVE_PERIOD} run succeeded")

    metadata = asset_metadata(page, ui.dev.url, "posted_journals")
    shots.take(page, "posted_journals metadata")
    ids = [p["netsuite_id"] for p in postings(RevRecStore(ui.database_url), GO_LIVE_PERIOD)]
    assert ids and all(ids), f"the store holds no NetSuite ids for {GO_LIVE_PERIOD}: {ids}"
    shown = "\n".join(e["text"] + "\n" + "\n".join(e["links"]) for e in metadata.values())
    for netsuite_id in ids:
        assert re.search(rf"\b{netsuite_id}\b", shown), f"journal {netsuite_id} is not shown"
        assert f"journal.nl?id={netsuite_id}" in shown, f"journal {netsuite_id} has no link"


def test_a_reopened_and_reclosed_period_shows_every_posting_in_its_history(ui):
    """Reopen, re-close and post the period from the UI: the partition's history lists the new
    posting after the earlier ones, and its metadata shows the superseded plan's entries with
    what became of each in NetSuite."""
    from playwright.sync_api import expect

    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.periods import close_period
    from revrec_pipeline.store.reopen import reopen_period

    page, shots = ui.page, ui.shots
    store = RevRecStore(ui.database_url)
    before = _posted_journals_events(ui, page)
    reopen_period(store, GO_LIVE_PERIOD)
    close_period(store, GO_LIVE_PERIOD)
    # The posting job's two steps, one after the other: the new plan, then its posting.
    run_id = materialize_partition(page, ui.dev.url, "journal_entries", GO_LIVE_PERIOD, shots)
    watch_run(page, ui.dev, run_id, RUN_TIMEOUT)
    run_id = materialize_partition(page, ui.dev.url, "posted_journals", GO_LIVE_PERIOD, shots)
    watch_run(page, ui.dev, run_id, RUN_TIMEOUT)
    shots.take(page, f"posted_journals {GO_LIVE_PERIOD} re-close run succeeded")

    after = _posted_journals_events(ui, page)
    shots.take(page, f"posted_journals {GO_LIVE_PERIOD} history after the re-close")
    # The period-close sensor sees the re-close too and may post the partition as well (an
    # upsert that changes nothing after the UI's run): one or two new postings, never none.
    assert before + 1 <= after <= before + 2, (
        f"the partition's history shows {after} postings, not {before + 1} (or {before + 2})"
    )
    metadata = asset_metadata(page, ui.dev.url, "posted_journals")
    shots.take(page, "posted_journals metadata after the re-close")
    assert metadata["reopens"]["text"].strip() == "1"
    superseded = metadata["superseded"]["table"]
    # This sandbox serves the demo's data but not its ledger: what it lacks is "absent".
    settled = {row["settled"] for row in superseded}
    assert "replaced" in settled and settled <= {"replaced", "deleted", "absent"}, superseded
    assert int(metadata["entries"]["text"]) == len(metadata["postings"]["table"]) > 0
    expect(page.get_by_text("superseded", exact=True).first).to_be_visible()


def _posted_journals_events(ui, page) -> int:
    """The materializations of posted_journals for the period the asset's Events tab lists."""
    from playwright.sync_api import expect

    page.goto(f"{ui.dev.url}/assets/posted_journals?view=events&partition={GO_LIVE_PERIOD}")
    # The list beside the selected event: one row per materialization, each with its
    # partition (a short, virtualized list: every row is rendered).
    rows = page.locator("[class*=AssetEventList_assetListRow]").filter(has_text=GO_LIVE_PERIOD)
    expect(rows.first).to_be_visible()
    page.wait_for_timeout(500)  # the list renders at once; let a late row land
    return rows.count()


def test_recon_summary_table_shows_decimal_amounts(ui):
    """(c) recon_summary_invoice's metadata: a table whose amounts are decimals (not cents),
    equal to the workbook's ReconSummary_Invoice, the most recent period first."""
    page, shots = ui.page, ui.shots
    metadata = asset_metadata(page, ui.dev.url, "recon_summary_invoice")
    shots.take(page, "recon_summary_invoice metadata")
    tables = {key: e["table"] for key, e in metadata.items() if e["table"]}
    recon = [(k, rows) for k, rows in tables.items() if _column(rows, "difference")]
    assert recon, f"recon_summary_invoice shows no recon table; its metadata: {sorted(metadata)}"
    key, rows = recon[0]

    money = [h for h in rows[0] if re.search(r"amount|difference", h, re.IGNORECASE)]
    for row in rows:
        for header in money:
            assert DECIMAL_AMOUNT.match(row[header]), (
                f"{key} shows {header} {row[header]!r}, not a decimal amount"
            )
    period, currency = _column(rows, "period"), _column(rows, "currency")
    netsuite = next(h for h in money if "netsuite" in h.lower())
    periods = [row[period] for row in rows]
    assert periods == sorted(periods, reverse=True), f"{key} is not newest first: {periods}"

    expected = _workbook_recon(_newest_sync_workbook(ui.home))
    for row in rows:
        shown = Decimal(re.sub(r"[^\d.-]", "", row[netsuite]))
        assert shown == expected[row[period], row[currency]], (
            f"{key} shows {row[netsuite]} for {row[period]} {row[currency]}; the workbook "
            f"has {expected[row[period], row[currency]]}"
        )


def _column(rows: list[dict], word: str) -> str | None:
    return next((h for h in rows[0] if word in h.lower()), None) if rows else None


def _newest_sync_workbook(home: Path) -> Path:
    workbooks = sorted((home / "sync_jobs").glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
    assert workbooks, f"no sync workbook in {home / 'sync_jobs'}"
    return workbooks[-1]


def _workbook_recon(path: Path) -> dict[tuple[str, str], Decimal]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        header, *rows = book["ReconSummary_Invoice"].iter_rows(values_only=True)
    finally:
        book.close()
    index = {name: i for i, name in enumerate(header)}
    return {
        (row[index["Period"]], row[index["Currency"]]): Decimal(
            str(row[index["NetSuite Amount"]])
        ).quantize(Decimal("0.01"))
        for row in rows
    }

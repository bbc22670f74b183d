"""Driving the Dagster UI in a real browser: Playwright with Debian's Chromium (browsers cannot
be downloaded here, so `playwright install` is never needed), and screenshots saved where the CI
log says."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from revrec_pipeline_tests.ui_smoke_helpers import (
    REPO_ROOT,
    RUN_EVENTS_QUERY,
    RUN_QUERY,
    DagsterDev,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS_VARIABLE = "REVREC_UI_SCREENSHOTS"
DEFAULT_SCREENSHOTS = REPO_ROOT / ".ci" / "artifacts" / "ui-screenshots"
VIEWPORT = {"width": 1440, "height": 900}


def screenshot_folder() -> Path:
    """REVREC_UI_SCREENSHOTS, else .ci/artifacts/ui-screenshots (gitignored); printed, so the CI
    log names where to look."""
    folder = Path(os.environ.get(SCREENSHOTS_VARIABLE) or DEFAULT_SCREENSHOTS).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    print(f"UI screenshots: {folder}")
    return folder


class Screenshots:
    """Numbered full-page screenshots of one test session: `01-launchpad.png`, ..."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []
        for old in folder.glob("*.png"):  # a stale shot from an earlier run would mislead
            old.unlink()

    def take(self, page, name: str) -> Path:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{len(self.taken) + 1:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@contextmanager
def chromium(timeout_ms: float = 30_000) -> Iterator:
    """A headless Chromium page (Playwright sync API) with a desktop-sized viewport."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing; install Debian's Chromium (apt-get install -y chromium)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(timeout_ms)
            expect.set_options(timeout=timeout_ms)  # expect() has its own default, 5 s
            yield context.new_page()
        finally:
            browser.close()


# --- the UI's pages, as a user finds them ---------------------------------------------------
# Selectors are the accessible names and texts a user reads (Dagster 1.13's UI); the one CSS
# hook is the Launchpad's editor (CodeMirror 5, whose instance holds the config text).


def launchpad_config(page) -> str:
    """The Launchpad's config editor text (CodeMirror 5 keeps it on its element)."""
    return page.locator(".CodeMirror").first.evaluate("e => e.CodeMirror.getValue()")


def scroll_launchpad_to(page, text: str) -> None:
    """Scrolls the config editor so the line holding `text` is in view (for the screenshot)."""
    page.locator(".CodeMirror").first.evaluate(
        """(e, text) => {
            const cm = e.CodeMirror;
            const line = cm.getValue().split("\\n").findIndex(l => l.includes(text));
            if (line >= 0) cm.scrollIntoView({line: line, ch: 0}, 120);
        }""",
        text,
    )


def open_launchpad(page, base_url: str, location: str, job: str) -> str:
    """Opens the job's Launchpad and waits for its default config; returns the config text."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/locations/{location}/jobs/{job}/playground")
    editor = page.locator(".CodeMirror").first
    expect(editor).to_contain_text("resources:")
    # The config is validated before Launch Run is enabled; "No errors" is the verdict.
    expect(page.get_by_text("No errors", exact=True)).to_be_visible()
    return launchpad_config(page)


def launch_from_launchpad(page) -> str:
    """Clicks Launch Run on an open Launchpad; returns the new run's id (from the run page)."""
    page.get_by_role("button", name="Launch Run").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[-1]


RUN_STATUS = re.compile(r"^(Queued|Starting|Started|Success|Failure|Canceling|Canceled)$")


def run_page_status(page):
    """The status tag in the run page's header, the first status word on the page."""
    return page.get_by_text(RUN_STATUS, exact=True).first


def expect_run_page_started(page, run_id: str) -> None:
    """The run page of a new run shows its header (status tag) and its first events."""
    from playwright.sync_api import expect

    expect(page).to_have_title(re.compile(rf"{run_id[:8]}"))
    expect(run_page_status(page)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^event type$", re.IGNORECASE))).to_be_visible()


def watch_run(page, dev: DagsterDev, run_id: str, timeout: float) -> None:
    """Waits for the run to succeed with the browser parked on a blank page (a live run page
    streaming its events slows the run on 2 cores: the Launchpad test took 53 s so, 32 s
    parked), then opens its run page again, which must say Success."""
    base_url = page.url.split("/runs/")[0]
    page.goto("about:blank")
    wait_for_run_success(dev, run_id, timeout)
    page.goto(f"{base_url}/runs/{run_id}")
    expect_run_page_success(page, run_id)


def expect_run_page_success(page, run_id: str, timeout_ms: float = 30_000) -> None:
    """The run page says Success: in its header tag, its title and the run's last event."""
    from playwright.sync_api import expect

    expect(page).to_have_title(re.compile(rf"{run_id[:8]} \[SUCCESS\]"), timeout=timeout_ms)
    expect(run_page_status(page)).to_have_text("Success")
    expect(page.get_by_text(re.compile(r'^Finished execution of run for ".+"\.$'))).to_be_visible()


def wait_for_run_success(dev: DagsterDev, run_id: str, timeout: float) -> None:
    """Polls the run over GraphQL (cheap, while the page streams its events); a failed run
    fails with the run's own error events."""

    def probe():
        run = dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]
        if run["__typename"] != "Run":
            dev.fail(f"runOrError({run_id}) is {run}")
        if run["status"] in ("FAILURE", "CANCELED"):
            dev.fail(f"run {run_id} ended {run['status']}:\n{run_errors(dev, run_id)}")
        return run["status"] == "SUCCESS"

    dev.poll(f"run {run_id} to succeed", probe, timeout, interval=1)


def run_errors(dev: DagsterDev, run_id: str) -> str:
    logs = dev.graphql(RUN_EVENTS_QUERY, runId=run_id)["logsForRun"]
    if logs["__typename"] != "EventConnection":
        return json.dumps(logs)
    lines = []
    for event in logs["events"]:
        error = event.get("error") or {}
        if event.get("level") in ("ERROR", "CRITICAL") or error:
            causes = [c["message"] for c in error.get("causes") or []]
            root = causes[-1] if causes else error.get("message") or ""
            lines.append(f"- {event.get('stepKey') or 'run'}: {event['message']} {root}")
    return "\n".join(lines) or "(no error events)"


def materialize_button(page):
    return page.get_by_role("button", name=re.compile(r"Materialize"))


def materialize_partition(page, base_url: str, asset: str, partition: str, shots) -> str:
    """On the asset's page: Materialize…, pick one partition in the dialog, Launch 1 run; returns
    the run id from the "Launched run" notice, with the run page open."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/assets/{asset}")
    button = materialize_button(page)
    expect(page.get_by_text("Code location", exact=True)).to_be_visible()  # definition loaded
    # A partitioned asset's button opens the dialog ("Materialize…"); a plain one launches
    # at once, which here would post journals for a period nobody chose.
    try:
        expect(button).to_have_text(re.compile(r"Materialize…"), timeout=5_000)
    except AssertionError:
        label = button.inner_text().strip()
        raise AssertionError(
            f"{asset} has no partitions: its button reads {label!r}, not 'Materialize…', so "
            "it would launch a run without a period"
        ) from None
    button.click()
    dialog = page.get_by_role("dialog").filter(has_text=f"Launch runs to materialize {asset}")
    dialog.get_by_text("Select a partition or create one").click()
    page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(partition)}\b")).click()
    dialog.get_by_text(f"Launch runs to materialize {asset}").click()  # closes the drop-down
    expect(page.get_by_role("menuitem")).to_have_count(0)
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
    shots.take(page, f"{asset} dialog {partition}")
    dialog.get_by_role("button", name="Launch 1 run").click()
    view = page.get_by_role("link", name="View", exact=True)  # in the "Launched run" notice
    href = view.get_attribute("href") or ""
    view.click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    return href.rsplit("/", 1)[-1]


METADATA_ENTRIES_JS = """
table => Array.from(table.querySelectorAll(':scope > tbody > tr')).map(tr => {
  const cells = tr.querySelectorAll(':scope > td');
  const value = cells[cells.length - 1];
  const inner = value.querySelector('table');
  let rows = null;
  if (inner) {
    const headers = Array.from(inner.querySelectorAll('thead th, thead td'))
      .map(c => c.innerText.trim());
    rows = Array.from(inner.querySelectorAll('tbody tr')).filter(r => r.querySelector('td')).map(r => Object.fromEntries(
      Array.from(r.querySelectorAll('td')).map((c, i) => [headers[i], c.innerText.trim()])));
  }
  return {
    key: cells[0].innerText.trim(),
    text: value.innerText,
    table: rows,
    links: Array.from(value.querySelectorAll('a[href]')).map(a => a.href),
  };
})
"""


def asset_metadata(page, base_url: str, asset: str) -> dict[str, dict]:
    """The Metadata section of the asset's overview (its latest materialization), as shown:
    key -> {text, table (rows as header -> cell text, for table metadata), links}."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/assets/{asset}")
    entries = page.get_by_role("table").filter(has=page.get_by_role("cell", name="Key", exact=True))
    expect(entries.first).to_be_visible()
    return {e["key"]: e for e in entries.first.evaluate(METADATA_ENTRIES_JS)}

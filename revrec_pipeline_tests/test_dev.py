"""`revrec dev` for real: with no demo yet it runs the demo, then serves the Dagster UI on the
demo's store and instance with the sandbox holding the demo's NetSuite account; a run launched
over GraphQL reconciles exactly as the demo's own sync did; `revrec sync` and `revrec journals
post` on that instance print no Dagster warning; Ctrl-C (or SIGTERM) leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import openpyxl
import pytest

from revrec_pipeline.demo import RECORD, DemoRecord, demo_environment
from revrec_pipeline.dev import demo_to_run
from revrec_pipeline.partitions import POSTING_RUN_TAG
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig
from revrec_pipeline.sandbox.config import SANDBOX_CREDENTIALS
from revrec_pipeline_tests.dev_helpers import (
    RevrecDev,
    descendants,
    kill_left,
    wait_all_gone,
)
from revrec_pipeline_tests.test_ui_smoke import _launch, _wait_for_success
from revrec_pipeline_tests.ui_smoke_helpers import LOCATION_NAME, group_members

STARTUP_TIMEOUT = 300  # the demo first, then dagster dev, on a busy 2-core machine
GO_LIVE = "2026-10"


def _clean_environment() -> dict[str, str]:
    """The test process's environment without any NetSuite, RevRec or Dagster setting."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NETSUITE_", "REVREC_")) and k not in ("DAGSTER_HOME",)
    }


def _python_warnings(text: str) -> list[str]:
    """Lines that are Python warnings (SupersessionWarning, UserWarning, ...) or Dagster's
    own instance notices; the run's log lines are not."""
    notices = ("Warning", "No dagster instance configuration file", "Telemetry:")
    return [line for line in text.splitlines() if any(n in line for n in notices)]


def _recon_rows(workbook: Path) -> list[tuple]:
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        return list(book["ReconSummary_Invoice"].iter_rows(values_only=True))
    finally:
        book.close()


def _revrec(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "revrec_pipeline", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_revrec_dev_runs_the_demo_then_serves_its_data_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "demo"
    dev = RevrecDev(
        _clean_environment(), home, tmp_path / "revrec-dev.log", "--size", "tiny", cwd=tmp_path
    )
    processes: dict = {}
    try:
        dev.start(STARTUP_TIMEOUT)
        dev.wait_for_output("Dagster UI: ", STARTUP_TIMEOUT)
        output = dev.output()
        assert "No finished demo in" in output, output[-3000:]
        assert f"Dagster UI: {dev.url}" in output
        assert f"NetSuite sandbox: {dev.sandbox_url}" in output

        # The demo recorded what it ran with, without a secret; its NetSuite account is kept.
        record = DemoRecord.read(home)
        assert record is not None and record.size == "tiny" and record.seed == 42
        saved = (home / RECORD).read_text()
        for secret in SANDBOX_CREDENTIALS.values():
            assert secret not in saved
            assert secret not in dev.output()

        dev.wait_for_location(LOCATION_NAME, STARTUP_TIMEOUT)
        demo_workbooks = sorted((home / "sync_jobs").glob("*.xlsx"))
        assert len(demo_workbooks) == 1, demo_workbooks

        # A run from the UI: the demo's store (a sync job, as the demo set the first period),
        # files and instance, the demo's NetSuite data and exclusions: the same recon.
        run_id = _launch(dev, "invoice_sync_job")
        _wait_for_success(dev, run_id)
        ours = [w for w in (home / "sync_jobs").glob("*.xlsx") if w.stem.endswith(run_id[:8])]
        assert len(ours) == 1, sorted((home / "sync_jobs").iterdir())
        demo_recon, ui_recon = _recon_rows(demo_workbooks[0]), _recon_rows(ours[0])
        assert len(ui_recon) > 1
        assert ui_recon == demo_recon
        header = ui_recon[0]
        excluded = [row[header.index("Excluded Amount")] for row in ui_recon[1:]]
        assert any(excluded), f"the demo's product exclusion did not reach the run: {ui_recon}"

        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            assert instance.get_run_by_id(run_id).is_success
            limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
            assert {"key": POSTING_RUN_TAG[0], "value": POSTING_RUN_TAG[1], "limit": 1} in limits

        # The CLI on the same instance (the managed one, no DAGSTER_HOME) prints no warning.
        environment = demo_environment(
            _clean_environment(),
            home,
            NetSuiteSandbox.environment(_SandboxAt(dev.sandbox_url)),
            record.exclude_products,
        )
        for args in (("sync",), ("journals", "post", GO_LIVE), ("status",)):
            result = _revrec(environment, tmp_path, *args)
            assert result.returncode == 0, (args, result.stdout, result.stderr)
            assert not _python_warnings(result.stderr), (args, result.stderr)
        assert not _python_warnings(dev.output()), dev.output()[-5000:]

        processes = descendants(dev.process.pid)
        assert any("dagster dev" in p.command for p in processes.values()), processes
        assert dev.interrupt(signal.SIGINT) == 0
        assert "Stopped." in dev.output()
        left = wait_all_gone(processes, timeout=10)
        assert not left, f"left running after Ctrl-C: {left}"
        for group in {dev.process.pid} | {p.group for p in processes.values()}:
            assert not group_members(group), f"process group {group} is not empty"
    finally:
        dev.cleanup()
        kill_left(processes)


@pytest.mark.slow
def test_sigterm_while_the_ui_starts_stops_everything(tmp_path):
    home = tmp_path / "demo"
    dev = RevrecDev(
        _clean_environment(), home, tmp_path / "revrec-dev.log", "--size", "tiny", cwd=tmp_path
    )
    processes: dict = {}
    try:
        dev.spawn()
        # dagster dev has started its own processes, the UI is not up yet.
        dev.wait_for_output("Starting the Dagster UI", STARTUP_TIMEOUT)
        dev.poll(
            "dagster dev's webserver and daemon",
            lambda: sum("dagster" in p.command for p in descendants(dev.process.pid).values()) >= 3,
            STARTUP_TIMEOUT,
        )
        processes = descendants(dev.process.pid)
        assert dev.interrupt(signal.SIGTERM) == 0
        left = wait_all_gone(processes, timeout=10)
        assert not left, f"left running after SIGTERM: {left}"
        for group in {dev.process.pid} | {p.group for p in processes.values()}:
            assert not group_members(group), f"process group {group} is not empty"
    finally:
        dev.cleanup()
        kill_left(processes)


def test_dev_refuses_a_taken_port_in_one_sentence(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _revrec(
            _clean_environment(),
            tmp_path,
            "dev",
            "--home",
            str(tmp_path / "d"),
            "--port",
            str(port),
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"revrec: Port {port} on 127.0.0.1 cannot be used"), result
    assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()  # refused before running the demo


class _SandboxAt:
    """What NetSuiteSandbox.environment() reads, for the sandbox `revrec dev` serves."""

    def __init__(self, url: str) -> None:
        self.url, self.config = url, SandboxConfig()


def test_demo_record_reads_back_and_refuses_damage(tmp_path):
    record = DemoRecord(seed=7, size="tiny", exclude_products=json.dumps({"product": {}}))
    record.write(tmp_path)
    assert DemoRecord.read(tmp_path) is None  # no store and no sandbox database yet
    (tmp_path / "revrec.db").write_bytes(b"")
    (tmp_path / record.sandbox_database).write_bytes(b"")
    assert DemoRecord.read(tmp_path) == record
    (tmp_path / RECORD).write_text("{not json")
    assert DemoRecord.read(tmp_path) is None


def test_the_demo_runs_first_only_when_there_is_none_or_other_data_is_asked_for():
    record = DemoRecord(seed=7, size="tiny", exclude_products="{}")
    assert demo_to_run(None, None, None) == ("small", 42)
    assert demo_to_run(None, "tiny", 3) == ("tiny", 3)
    assert demo_to_run(record, None, None) is None
    assert demo_to_run(record, "tiny", 7) is None
    assert demo_to_run(record, "small", None) == ("small", 7)
    assert demo_to_run(record, None, 8) == ("tiny", 8)
    assert demo_to_run(DemoRecord(seed=1, size=500, exclude_products="{}"), 500, None) is None

"""UI smoke test: `dagster dev -w workspace.yaml` (webserver, daemon, code server) loads the code
location, every definition shows up in GraphQL without errors, and `invoice_sync_job` launched
through GraphQL succeeds against the bundled sandbox. Everything started is stopped."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import openpyxl
import pytest

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment
from revrec_pipeline_tests.ui_smoke_helpers import (
    JOB_QUERY,
    LAUNCH_RUN_MUTATION,
    LOCATION_NAME,
    REPOSITORY_NAME,
    REPOSITORY_QUERY,
    RUN_EVENTS_QUERY,
    RUN_QUERY,
    SENSOR_TICKS_QUERY,
    DagsterDev,
)

ASSETS = {
    "netsuite_customers",
    "netsuite_items",
    "netsuite_invoices",
    "netsuite_credit_memos",
    "crm_customers",
    "crm_sales_orders",
    "billing_schedule",
    "product",
    "pending_data",
    "recon_details_invoice",
    "recon_summary_invoice",
    "invoice_workbook",
    "revenue_schedule",
    "journal_entries",
    "posted_journals",
    "deferred_revenue_waterfall",
    "close_workbook",
}
CHECKS = {
    "recon_difference_zero",
    "billing_schedule_schema",
    "no_duplicate_netsuite_lines",
    "every_account_mapped",
    "journals_balanced",
    "gl_tieout",
}
JOBS = {"invoice_sync_job", "journal_posting_job"}
SCHEDULE = "daily_invoice_sync"
SENSOR = "period_close_sensor"

LOCATION_TIMEOUT = 120
RUN_TIMEOUT = 180
TERMINAL_FAILURES = {"FAILURE", "CANCELED"}
WORKBOOK_SHEETS = {"BillingSchedule", "Product", "ReconDetails_Invoice", "ReconSummary_Invoice"}


@pytest.mark.slow
def test_dagster_dev_loads_everything_and_runs_invoice_sync(tmp_path, sqlite_database_url):
    started = time.monotonic()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.monotonic() - started, 1)

    home = tmp_path / "home"
    dataset = generate_dataset(seed=3, size="tiny")
    sb = NetSuiteSandbox(SandboxConfig(), dataset).start(port=0)
    dev: DagsterDev | None = None
    survivors: list[str] = []
    try:
        store = RevRecStore(sqlite_database_url)
        store.create_all()
        customers_csv, orders_csv = dataset.write_crm_csv(tmp_path / "crm")
        import_crm_files(store, Path(customers_csv), Path(orders_csv))

        env = {**os.environ, **sandbox_environment(sb, home, sqlite_database_url)}
        dev = DagsterDev(env, tmp_path / "dagster_home", tmp_path / "dagster-dev.log")
        dev.start(LOCATION_TIMEOUT)
        lap("webserver up")
        entry = dev.wait_for_location(LOCATION_NAME, LOCATION_TIMEOUT)
        lap("location loaded")
        repositories = [r["name"] for r in entry["locationOrLoadError"]["repositories"]]
        assert repositories == [REPOSITORY_NAME]

        _assert_definitions(dev, timezone=sb.config.timezone)
        lap("definitions checked")

        run_id = _launch(dev, "invoice_sync_job")
        _wait_for_success(dev, run_id)
        lap("run succeeded")
        assert sb.stats.suiteql_requests > 0, "the run never queried the sandbox"
        _assert_conversion_workbook(home, run_id)

        # The sensor (on by default) has ticked against the same store, without an error.
        _assert_sensor_ticks_clean(dev)
        lap("sensor tick checked")
    finally:
        if dev is not None:
            survivors = dev.stop()
        lap("stopped")
        sb.close()
        print(f"ui smoke timings (s since start): {timings}; left running: {survivors}")
    assert not survivors, f"processes left after stopping dagster dev: {survivors}"


def _repository_selector() -> dict:
    return {"repositoryLocationName": LOCATION_NAME, "repositoryName": REPOSITORY_NAME}


def _job_selector(job: str) -> dict:
    return {**_repository_selector(), "jobName": job}


def _assert_definitions(dev: DagsterDev, *, timezone: str) -> None:
    repo = dev.graphql(REPOSITORY_QUERY, selector=_repository_selector())["repositoryOrError"]
    assert repo["__typename"] == "Repository", repo

    nodes = {"/".join(n["assetKey"]["path"]): n for n in repo["assetNodes"]}
    assert set(nodes) == ASSETS

    checks: list[str] = []
    for key, node in nodes.items():
        result = node["assetChecksOrError"]
        assert result["__typename"] == "AssetChecks", f"{key}: {result}"
        for check in result["checks"]:
            assert check["assetKey"]["path"] == [key], check
            checks.append(check["name"])
    assert sorted(checks) == sorted(CHECKS)

    jobs = {p["name"] for p in repo["pipelines"]}
    assert jobs >= JOBS, jobs
    for job in sorted(JOBS):
        # PipelineSelector still spells the job `pipelineName`.
        selector = {**_repository_selector(), "pipelineName": job}
        loaded = dev.graphql(JOB_QUERY, selector=selector)["pipelineOrError"]
        assert loaded["__typename"] == "Pipeline", f"{job}: {loaded}"
        assert loaded["solidHandles"], f"{job} has no steps"

    schedules = {s["name"]: s for s in repo["schedules"]}
    assert set(schedules) == {SCHEDULE}
    schedule = schedules[SCHEDULE]
    assert schedule["pipelineName"] == "invoice_sync_job"
    assert schedule["cronSchedule"] == "0 6 * * *"
    assert schedule["executionTimezone"] == timezone
    assert schedule["scheduleState"]["status"] == "RUNNING"

    sensors = {s["name"]: s for s in repo["sensors"]}
    assert set(sensors) == {SENSOR}
    assert sensors[SENSOR]["sensorState"]["status"] == "RUNNING"
    assert [t["pipelineName"] for t in sensors[SENSOR]["targets"]] == ["journal_posting_job"]


def _launch(dev: DagsterDev, job: str) -> str:
    params = {"selector": _job_selector(job), "runConfigData": {}}
    result = dev.graphql(LAUNCH_RUN_MUTATION, executionParams=params)["launchRun"]
    if result["__typename"] != "LaunchRunSuccess":
        dev.fail(f"launchRun {job} failed: {json.dumps(result, indent=2)}")
    return result["run"]["runId"]


def _wait_for_success(dev: DagsterDev, run_id: str) -> None:
    def probe():
        run = dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]
        if run["__typename"] != "Run":
            dev.fail(f"runOrError({run_id}) is {run}")
        if run["status"] in TERMINAL_FAILURES:
            dev.fail(f"run {run_id} ended {run['status']}:\n{_failure_events(dev, run_id)}")
        return run["status"] if run["status"] == "SUCCESS" else None

    dev.poll(f"run {run_id} to succeed", probe, RUN_TIMEOUT)


def _assert_conversion_workbook(home: Path, run_id: str) -> None:
    # No period is set, so the run is a conversion: its workbook goes to conversion_data/.
    workbooks = sorted((home / "conversion_data").glob("*.xlsx"))
    ours = [w for w in workbooks if w.name.endswith(f"-{run_id[:8]}.xlsx")]
    assert len(ours) == 1, f"no workbook of run {run_id} in {workbooks}"
    workbook = openpyxl.load_workbook(ours[0], read_only=True)
    try:
        assert set(workbook.sheetnames) >= WORKBOOK_SHEETS, workbook.sheetnames
    finally:
        workbook.close()


def _failure_events(dev: DagsterDev, run_id: str) -> str:
    logs = dev.graphql(RUN_EVENTS_QUERY, runId=run_id)["logsForRun"]
    if logs["__typename"] != "EventConnection":
        return json.dumps(logs)
    lines = []
    for event in logs["events"]:
        error = event.get("error") or {}
        if event.get("level") not in ("ERROR", "CRITICAL") and not error:
            continue
        # The innermost cause is the pipeline's own exception; the rest is Dagster's wrapping.
        root = [c["message"] for c in error.get("causes") or []][-1:] or [error.get("message")]
        lines.append(f"- {event.get('stepKey') or 'run'}: {event['message']} {root[0] or ''}")
    return "\n".join(lines) or "(no error events)"


def _assert_sensor_ticks_clean(dev: DagsterDev) -> None:
    selector = {**_repository_selector(), "sensorName": SENSOR}

    def probe():
        sensor = dev.graphql(SENSOR_TICKS_QUERY, selector=selector)["sensorOrError"]
        assert sensor["__typename"] == "Sensor", sensor
        ticks = sensor["sensorState"]["ticks"]
        # A tick in progress is STARTED: wait for the daemon to finish it.
        return ticks if ticks and all(t["status"] != "STARTED" for t in ticks) else None

    ticks = dev.poll(f"a tick of {SENSOR}", probe, timeout=30)
    failed = [t for t in ticks if t["status"] == "FAILURE"]
    assert not failed, f"{SENSOR} ticks failed: {json.dumps(failed, indent=2)}"
    assert {t["status"] for t in ticks} == {"SKIPPED"}, ticks

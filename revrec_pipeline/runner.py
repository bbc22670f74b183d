"""Running a job now, in process, on the configured Dagster instance (`revrec sync`, demo)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from revrec_pipeline.settings import load_settings, require_credentials

_QUALIFIED_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: ")


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """DAGSTER_HOME's instance when set (production: PostgreSQL), else a local one under
    REVREC_HOME/dagster so that runs are kept between commands."""
    if os.environ.get("DAGSTER_HOME"):
        with dg.DagsterInstance.get() as instance:
            yield instance
        return
    folder = load_settings().home / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.local_temp(tempdir=str(folder.resolve())) as instance:
        yield instance


@dataclass
class JobRun:
    job_name: str
    run_id: str
    success: bool
    materializations: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.success:
            return f"{self.job_name} succeeded (run {self.run_id})."
        reasons = "; ".join(self.failures) or "see the run's event log"
        return f"{self.job_name} failed (run {self.run_id}): {reasons}"


def _root_message(error: Any) -> str:
    """The user's own exception inside Dagster's wrapping: the sentence worth showing."""
    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    if error is None:
        return ""
    # "dagster._core.definitions.events.Failure: text" → "text"
    return _QUALIFIED_PREFIX.sub("", error.message.strip())


def run_job(
    job_name: str,
    *,
    progress: Callable[[str], None] = print,
    tags: dict[str, str] | None = None,
    partition_key: str | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "INFO",
) -> JobRun:
    from revrec_pipeline.definitions import build_definitions

    settings = load_settings()
    require_credentials(settings)  # both jobs call NetSuite: say what is missing, up front
    job = build_definitions(settings).resolve_job_def(job_name)
    with dagster_instance() if instance is None else nullcontext(instance) as active:
        progress(f"Running {job_name} ...")
        result = job.execute_in_process(
            instance=active,
            raise_on_error=False,
            tags=tags,
            partition_key=partition_key,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    run = JobRun(job_name, result.run_id, result.success)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        run.materializations[materialization.asset_key.to_user_string()] = {
            key: value.value for key, value in materialization.metadata.items()
        }
    for event in result.all_events:
        if event.is_step_failure:
            run.failures.append(f"{event.step_key}: {_root_message(event.step_failure_data.error)}")
    return run


def post_period_now(
    store,
    period: str,
    *,
    progress: Callable[[str], None] = print,
    instance: dg.DagsterInstance | None = None,
) -> JobRun:
    """`revrec journals post P`: the run the period-close sensor launches, now, in process: the
    period's partition (added when Dagster does not know it yet) of journal_posting_job."""
    from revrec_pipeline.automation import JOURNAL_POSTING_JOB
    from revrec_pipeline.partitions import add_period_partitions
    from revrec_pipeline.store.periods import PeriodError, closed_periods

    require_credentials(load_settings())  # what is missing first, as for every job
    with store.read() as conn:
        if period not in closed_periods(conn):
            raise PeriodError(
                f"Period {period} is not closed; journals are posted for closed periods "
                f"(`revrec period close {period}` first)."
            )
    with dagster_instance() if instance is None else nullcontext(instance) as active:
        add_period_partitions(active, [period])
        return run_job(
            JOURNAL_POSTING_JOB, progress=progress, partition_key=period, instance=active
        )

"""Running a job now, in process, on the configured Dagster instance (`revrec sync`, demo)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from revrec_pipeline.partitions import POSTING_RUN_TAG
from revrec_pipeline.settings import load_settings, require_credentials

_QUALIFIED_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: ")


# Journal posting runs carry POSTING_RUN_TAG; the instance lets one such run in progress at a
# time, so two periods closed close together post one after the other (SPEC §8).
POSTING_RUN_TAG_KEY, POSTING_RUN_TAG_VALUE = POSTING_RUN_TAG
NETSUITE_POOL_LIMIT = 1  # NetSuite steps of all runs together, one at a time
MAX_CONCURRENT_RUNS = 4

# Bumped whenever managed_instance_yaml() changes: an older file is then rewritten.
MANAGED_INSTANCE_VERSION = 1
_MANAGED_MARKER = "# revrec-managed-instance: version "


def managed_instance_yaml() -> str:
    """The dagster.yaml of an instance the project manages (REVREC_HOME/dagster): the limits of
    the production dagster.yaml, on the default SQLite storage in that folder."""
    return f"""\
{_MANAGED_MARKER}{MANAGED_INSTANCE_VERSION}
# Written by revrec_pipeline and rewritten when a newer version changes it; delete the first
# line to keep edits of your own. Storage: SQLite in this folder (the default).
concurrency:
  runs:
    max_concurrent_runs: {MAX_CONCURRENT_RUNS}
    tag_concurrency_limits:
      # One journal posting run in progress at a time: periods post one after the other.
      - key: {POSTING_RUN_TAG_KEY}
        value: {POSTING_RUN_TAG_VALUE}
        limit: 1
  pools:
    # The netsuite pool: every NetSuite step of every run shares these slots.
    default_limit: {NETSUITE_POOL_LIMIT}
    granularity: op
run_queue:
  # A queued run starts within a second rather than the daemon's default five.
  dequeue_interval_seconds: 1
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  # Frees the pool slots of a crashed or cancelled run, so the netsuite pool never deadlocks.
  free_slots_after_run_end_seconds: 60
telemetry:
  enabled: false
"""


def managed_instance_settings() -> dict[str, Any]:
    """managed_instance_yaml() as a dict, e.g. for `dg.instance_for_test(overrides=...)`."""
    import yaml  # PyYAML comes with dagster

    return yaml.safe_load(managed_instance_yaml())


def managed_instance_folder() -> Path:
    return (load_settings().home / "dagster").resolve()


def prepare_managed_instance(folder: Path) -> Path:
    """Create the instance folder and write its dagster.yaml when it is absent or was written
    by an older version of the project; a dagster.yaml of the user's own is left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dagster.yaml"
    if path.exists():
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if not first.startswith(_MANAGED_MARKER):
            return path  # the user's own configuration
        version = first[len(_MANAGED_MARKER) :].strip()
        if version.isdigit() and int(version) >= MANAGED_INSTANCE_VERSION:
            return path
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(managed_instance_yaml(), encoding="utf-8")
    temporary.replace(path)  # a concurrent reader never sees half a file
    return path


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """DAGSTER_HOME's instance when set (production: PostgreSQL), else the managed one under
    REVREC_HOME/dagster, kept between commands, with the limits of managed_instance_yaml()."""
    if os.environ.get("DAGSTER_HOME"):
        with dg.DagsterInstance.get() as instance:
            yield instance
        return
    folder = managed_instance_folder()
    prepare_managed_instance(folder)
    with dg.DagsterInstance.from_config(str(folder)) as instance:
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
    replan: bool = False,
    progress: Callable[[str], None] = print,
    instance: dg.DagsterInstance | None = None,
) -> JobRun:
    """`revrec journals post P`: the run the period-close sensor launches, now, in process: the
    period's partition (added when Dagster does not know it yet) of journal_posting_job.
    `replan`: first forget the period's frozen plan, refused once any of it is in NetSuite."""
    from revrec_pipeline.automation import JOURNAL_POSTING_JOB
    from revrec_pipeline.partitions import add_period_partitions
    from revrec_pipeline.store.periods import PeriodError, closed_periods

    settings = load_settings()
    require_credentials(settings)  # what is missing first, as for every job
    with store.read() as conn:
        if period not in closed_periods(conn):
            raise PeriodError(
                f"Period {period} is not closed; journals are posted for closed periods "
                f"(`revrec period close {period}` first)."
            )
    with dagster_instance() if instance is None else nullcontext(instance) as active:
        if replan:
            from revrec_pipeline.automation import active_periods

            if period in active_periods(active):
                raise PeriodError(
                    f"Cannot replan {period}: a posting run of {period} is queued or under way; "
                    "replan once it has finished."
                )
            discard_plan_for_replan(store, period, settings, progress)
        add_period_partitions(active, [period])
        return run_job(
            JOURNAL_POSTING_JOB, progress=progress, partition_key=period, instance=active
        )


def discard_plan_for_replan(store, period: str, settings, progress: Callable[[str], None]):
    """`--replan`: the period's frozen plan is recomputed from current data, but only while
    none of its entries is in NetSuite (by the store, then by asking NetSuite for each) and no
    later period was planned against it; otherwise nothing changes."""
    from revrec_pipeline.journals.entries import PENDING_APPROVAL, POSTED
    from revrec_pipeline.netsuite.connect import client_from_environment
    from revrec_pipeline.netsuite.posting import entries_in_netsuite
    from revrec_pipeline.store.journals import discard_plan, later_plans, lock_period, read_plan
    from revrec_pipeline.store.periods import PeriodError

    reopen = f"reopen the period instead (`revrec period reopen {period}`)"
    with store.read() as conn:
        plan = read_plan(conn, period)
        later = later_plans(conn, period)
    if later:
        raise PeriodError(
            f"Cannot replan {period}: {', '.join(later)} was planned against its journals; "
            "only the latest planned period can be replanned."
        )
    recorded = [e.external_id for e, s in plan if s["status"] in (POSTED, PENDING_APPROVAL)]
    if recorded:
        raise PeriodError(f"Cannot replan {period}: {recorded[0]} is in NetSuite; {reopen}.")
    if plan:
        client = client_from_environment(settings)
        held = entries_in_netsuite(client, [e.external_id for e, _ in plan])
        if held:
            external_id, netsuite_id = next(iter(held.items()))
            raise PeriodError(
                f"Cannot replan {period}: {external_id} is in NetSuite (journal "
                f"{netsuite_id}); {reopen}."
            )

    def states(rows) -> list[tuple]:
        return [(e.external_id, s["status"], s["netsuite_id"]) for e, s in rows]

    with store.write() as conn:
        lock_period(conn, period)
        if states(read_plan(conn, period)) != states(plan):  # a run posted meanwhile
            raise PeriodError(f"Cannot replan {period}: its plan changed meanwhile; try again.")
        discard_plan(conn, period)
    progress(f"Discarded the frozen plan of {period} ({len(plan)} entries, none in NetSuite).")


def reopen_period_now(
    store,
    period: str,
    *,
    progress: Callable[[str], None] = print,
    instance: dg.DagsterInstance | None = None,
) -> dict:
    """`revrec period reopen P`: only the latest closed period, only while no posting run of it
    is queued or under way and its NetSuite posting period is open; otherwise nothing changes.
    Its entries stay in NetSuite; the next close re-plans the period and settles them."""
    from revrec_pipeline.automation import active_periods
    from revrec_pipeline.journals.posting_period import closed_problem
    from revrec_pipeline.netsuite.connect import client_from_environment
    from revrec_pipeline.netsuite.posting import PostingRefused, netsuite_posting_period
    from revrec_pipeline.store.periods import PeriodError, parse_period
    from revrec_pipeline.store.reopen import reopen_period, reopen_refusal

    period = parse_period(period)
    with store.read() as conn:
        refusal = reopen_refusal(conn, period)
    if refusal:
        raise PeriodError(refusal)
    with dagster_instance() if instance is None else nullcontext(instance) as active:
        if period in active_periods(active):
            raise PeriodError(
                f"Cannot reopen {period}: a posting run of {period} is queued or under way; "
                "reopen once it has finished."
            )
    settings = load_settings()
    require_credentials(settings)
    try:
        closed = closed_problem(netsuite_posting_period(client_from_environment(settings), period))
    except PostingRefused as exc:
        raise PeriodError(f"Cannot reopen {period}: {exc}") from None
    if closed:
        raise PeriodError(f"Cannot reopen {period}: {closed}")
    reopened = reopen_period(store, period)
    progress(
        f"Reopened {period}: its plan of {reopened['entries']} journal entries is superseded (kept "
        f"in the store's history); the {reopened['in_netsuite']} in NetSuite stay there until "
        f"you close {period} again (`revrec period close {period}`), which re-plans it from "
        "current data, replaces its entries by external id and deletes those the new plan no "
        "longer has."
    )
    return reopened

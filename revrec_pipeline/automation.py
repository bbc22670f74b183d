"""Jobs, the daily invoice sync schedule (in the account time zone) and the period-close sensor.

The sensor's state lives in the store, not in its cursor: every tick it adds a partition for
each closed period Dagster does not know yet (on first start: every period already closed), and
requests a posting run for each closed period whose journals are not settled, oldest first.
"""

import hashlib
import warnings

import dagster as dg

from revrec_pipeline.assets.metadata import OWNERS
from revrec_pipeline.partitions import ACCOUNTING_PERIOD, POSTING_RUN_TAG, accounting_period
from revrec_pipeline.settings import Settings
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.periods import latest_closes, posting_marks, unsettled_periods

INVOICE_SYNC_JOB = "invoice_sync_job"
JOURNAL_POSTING_JOB = "journal_posting_job"
# Owners on jobs, schedules and sensors are a beta parameter in Dagster 1.13, used knowingly.
# Jobs become JobDefinitions later, when Definitions resolve them, so the filter is global.
OWNERS_BETA = r"Parameter `owners` of .* is currently in beta"
warnings.filterwarnings("ignore", message=OWNERS_BETA, category=dg.BetaWarning)

invoice_sync_job = dg.define_asset_job(
    INVOICE_SYNC_JOB,
    selection=dg.AssetSelection.groups("netsuite", "crm", "billing"),
    description=(
        "Pull NetSuite invoices and credit memos, build the billing schedule, pending data and "
        "recon, load the schedule once a period is set, and write the job's workbook."
    ),
    tags={"revrec/flow": "invoices"},
    owners=OWNERS,
)

journal_posting_job = dg.define_asset_job(
    JOURNAL_POSTING_JOB,
    selection=dg.AssetSelection.groups("journals"),
    description=(
        "For one closed accounting period (the partition): compute its revenue journal entries "
        "and post them to NetSuite exactly once. Runs one at a time, in period order."
    ),
    tags={"revrec/flow": "journals", POSTING_RUN_TAG[0]: POSTING_RUN_TAG[1]},
    owners=OWNERS,
)

# A run in one of these states will still post its period: the sensor must not ask again.
_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def active_periods(instance: dg.DagsterInstance) -> set[str]:
    """Periods with a posting run queued or under way (by partition; runs of earlier versions
    by their `revrec/period` tag)."""
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE))
    return {
        run.tags.get("dagster/partition") or run.tags.get("revrec/period")
        for run in runs
        if "dagster/partition" in run.tags or "revrec/period" in run.tags
    }


def posting_run_key(period: str, close_id: int, earlier_marks: list[str]) -> str:
    """One run per close and per state of the earlier periods' postings. A run refused because
    an earlier period had not posted keeps its key until that period posts; then the key is new
    and the period is requested again. A run that failed for its own reason is not relaunched
    while the earlier periods stay as they were."""
    digest = hashlib.sha1("|".join(earlier_marks).encode()).hexdigest()[:8]
    return f"{period}-close-{close_id}-earlier-{digest}"


@dg.sensor(
    job=journal_posting_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Adds each closed accounting period as a partition and launches journal_posting_job for "
        "every closed period whose journals are not posted yet, oldest first, once per close."
    ),
    tags={"revrec/flow": "journals"},
    owners=OWNERS,
)
def period_close_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    # Runs first: a run that finishes between the two reads then only looks still active.
    active = active_periods(context.instance)
    with store.get_store().read() as conn:
        closes = latest_closes(conn)
        unsettled = unsettled_periods(conn)
        marks = posting_marks(conn)
    known = set(context.instance.get_dynamic_partitions(ACCOUNTING_PERIOD))
    new_partitions = [period for period in closes if period not in known]
    requests = [
        dg.RunRequest(
            run_key=posting_run_key(
                period, closes[period], [f"{p}={m}" for p, m in marks.items() if p < period]
            ),
            partition_key=period,
        )
        for period in unsettled
        if period not in active
    ]
    if not requests and not new_partitions:
        return dg.SkipReason(
            "Every closed period's journals are posted or being posted."
            if closes
            else "No accounting period is closed yet."
        )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=(
            [accounting_period.build_add_request(new_partitions)] if new_partitions else []
        ),
    )


def build_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    # 06:00 in the account's own zone: after NetSuite's overnight batch, before finance starts.
    with warnings.catch_warnings():  # built with every Definitions: quiet whatever the filters
        warnings.filterwarnings("ignore", message=OWNERS_BETA, category=dg.BetaWarning)
        daily_invoice_sync = _daily_invoice_sync(settings)
    return [daily_invoice_sync]


def _daily_invoice_sync(settings: Settings) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_invoice_sync",
        job=invoice_sync_job,
        cron_schedule="0 6 * * *",
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Runs invoice_sync_job every day at 06:00 {settings.timezone} (the NetSuite "
            "account's time zone): after NetSuite's overnight batch, before finance starts."
        ),
        tags={"revrec/flow": "invoices"},
        owners=OWNERS,
    )

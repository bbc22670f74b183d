"""Jobs, the daily invoice sync schedule (in the account time zone) and the period-close sensor.

The sensor's state lives in the store, not in its cursor: every tick it adds a partition for
each closed period Dagster does not know yet (on first start: every period already closed), and
requests a posting run for each closed period whose journals are not settled, oldest first.
"""

import warnings

import dagster as dg

from revrec_pipeline.assets.metadata import OWNERS
from revrec_pipeline.partitions import ACCOUNTING_PERIOD, POSTING_RUN_TAG, accounting_period
from revrec_pipeline.settings import Settings
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.periods import latest_closes, unsettled_periods

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


def _active_periods(instance: dg.DagsterInstance) -> set[str]:
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE))
    return {run.tags["dagster/partition"] for run in runs if "dagster/partition" in run.tags}


def posting_run_key(period: str, close_id: int, waits_for: str | None) -> str:
    """One run per close; a run requested while an earlier period was still unposted gets its
    own key, so the period is requested again (with the plain key) once that one has posted."""
    key = f"period-close-{period}-{close_id}"
    return f"{key}-after-{waits_for}" if waits_for else key


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
    with store.get_store().read() as conn:
        closes = latest_closes(conn)
        unsettled = unsettled_periods(conn)
    known = set(context.instance.get_dynamic_partitions(ACCOUNTING_PERIOD))
    new_partitions = [period for period in closes if period not in known]
    active = _active_periods(context.instance) if unsettled else set()
    requests, waits_for = [], None
    for period in unsettled:
        if period not in active:
            requests.append(
                dg.RunRequest(
                    run_key=posting_run_key(period, closes[period], waits_for),
                    partition_key=period,
                )
            )
        waits_for = waits_for or period
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

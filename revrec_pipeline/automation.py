"""Jobs and schedules: the daily invoice sync (in the account time zone)."""

import json

import dagster as dg

from revrec_pipeline.assets.journals import PERIOD_TAG
from revrec_pipeline.settings import Settings
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.periods import closes_after

INVOICE_SYNC_JOB = "invoice_sync_job"

invoice_sync_job = dg.define_asset_job(
    INVOICE_SYNC_JOB,
    selection=dg.AssetSelection.groups("netsuite", "crm", "billing"),
    description=(
        "Pull NetSuite invoices and credit memos, build the billing schedule, pending data and "
        "recon, load the schedule once a period is set, and write the job's workbook."
    ),
)


JOURNAL_POSTING_JOB = "journal_posting_job"

journal_posting_job = dg.define_asset_job(
    JOURNAL_POSTING_JOB,
    selection=dg.AssetSelection.groups("journals"),
    description="Compute the closed period's revenue journal entries and post them to NetSuite.",
)


@dg.sensor(
    job=journal_posting_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches journal_posting_job once for each period closed with `revrec period close`.",
)
def period_close_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    last = int(json.loads(context.cursor or "{}").get("last_close_id", 0))
    closes = closes_after(store.get_store(), last)
    if not closes:
        return dg.SkipReason("No period closed since the last tick.")
    return dg.SensorResult(
        run_requests=[
            # One run per close, even across daemon restarts: the run key dedupes it.
            dg.RunRequest(run_key=f"period-close-{period}-{close_id}", tags={PERIOD_TAG: period})
            for close_id, period in closes
        ],
        cursor=json.dumps({"last_close_id": closes[-1][0]}),
    )


def build_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    # 06:00 in the account's own zone: after NetSuite's overnight batch, before finance starts.
    daily_invoice_sync = dg.ScheduleDefinition(
        name="daily_invoice_sync",
        job=invoice_sync_job,
        cron_schedule="0 6 * * *",
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return [daily_invoice_sync]

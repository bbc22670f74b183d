"""Jobs and schedules: the daily invoice sync (in the account time zone)."""

from __future__ import annotations

import dagster as dg

from revrec_pipeline.settings import Settings

INVOICE_SYNC_JOB = "invoice_sync_job"

invoice_sync_job = dg.define_asset_job(
    INVOICE_SYNC_JOB,
    selection=dg.AssetSelection.groups("netsuite", "crm", "billing"),
    description=(
        "Pull NetSuite invoices and credit memos, build the billing schedule, pending data and "
        "recon, load the schedule once a period is set, and write the job's workbook."
    ),
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

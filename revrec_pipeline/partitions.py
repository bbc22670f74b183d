"""Accounting periods as Dagster partitions (SPEC §8): one dynamic partition per closed period,
keyed YYYY-MM, added by the period-close sensor and by `revrec journals post`."""

from __future__ import annotations

import dagster as dg

ACCOUNTING_PERIOD = "accounting_period"
accounting_period = dg.DynamicPartitionsDefinition(name=ACCOUNTING_PERIOD)

# Posting runs carry this tag; the instance limits it to one run at a time (dagster.yaml).
POSTING_RUN_TAG = ("revrec/run_queue", "journal_posting")


def add_period_partitions(instance: dg.DagsterInstance, periods: list[str]) -> list[str]:
    """Add the periods that are not partitions yet; returns those added."""
    known = set(instance.get_dynamic_partitions(ACCOUNTING_PERIOD))
    new = [p for p in periods if p not in known]
    if new:
        instance.add_dynamic_partitions(ACCOUNTING_PERIOD, new)
    return new

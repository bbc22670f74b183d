"""The GL tie-out check on `posted_journals` (SPEC §11): RevRec's entries as NetSuite's ledger
holds them now against what the store says was posted. A warning: the posting stands, but an
entry edited or deleted in NetSuite is named so that someone looks at it.

Blocking, so the run's downstream assets (the close workbook) wait for it and show its result;
as a warning it never stops them. Every result is kept in the store (`store.tieout`), also when
NetSuite's ledger could not be read (then the check fails as a warning saying why)."""

import warnings

import dagster as dg
import pandas as pd

from revrec_pipeline.assets.metadata import amount_entries, money, table_entries, text
from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.journals.tieout import TieOut, tie_out
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.netsuite.tieout import read_balances, read_held_lines
from revrec_pipeline.partitions import accounting_period
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.journals import postings, read_mapping
from revrec_pipeline.store.profile import current_profile
from revrec_pipeline.store.tieout import record_tieout

DIFFERENCE_COLUMNS = [
    text("Entry", "external_id"),
    text("Finding", "kind", "edited, deleted, not posting, or not in the store."),
    text("Account", "account_id", "NetSuite internal id."),
    text("Currency", "currency"),
    money("Posted debit", "store_debit", "What the store says was posted."),
    money("Posted credit", "store_credit", "What the store says was posted."),
    money("NetSuite debit", "netsuite_debit", "In NetSuite's ledger through the period end."),
    money("NetSuite credit", "netsuite_credit", "In NetSuite's ledger through the period end."),
    money("Difference", "difference", "NetSuite's net (debit − credit) minus the posted net."),
]
BALANCE_COLUMNS = [
    text("Account type", "account_type"),
    text("Account", "account_id", "NetSuite internal id."),
    text("Currency", "currency"),
    money(
        "GL balance",
        "netsuite_cents",
        "Whole GL balance through the period end, every transaction (debit positive).",
    ),
    money("GL balance (base)", "netsuite_base_cents", "The same in the base currency."),
    money(
        "RevRec balance",
        "revrec_cents",
        "What RevRec's posted entries put on the account (debit positive).",
    ),
]


# A partitioned check is a preview in Dagster 1.13; its warning would print in every command.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")


@dg.asset_check(
    asset="posted_journals",
    name="gl_tieout",
    description=(
        "RevRec's journal entries as NetSuite's ledger holds them through the period end, per "
        "account and currency, equal what the store says was posted; names every entry edited "
        "or deleted in NetSuite. The mapped deferred revenue and unbilled receivable accounts' "
        "whole GL balances are shown beside RevRec's, as information."
    ),
    partitions_def=accounting_period,
    pool="netsuite",
    blocking=True,
)
def gl_tieout(
    context: dg.AssetCheckExecutionContext, store: StoreResource, netsuite: NetSuiteResource
) -> dg.AssetCheckResult:
    period = context.partition_key
    db = store.get_store()
    with db.read() as conn:
        mapping = read_mapping(conn)
        currency_ids = {
            row.symbol: str(row.id) for row in conn.execute(schema.netsuite_currency.select())
        }
    client = netsuite.get_client(log=context.log.warning)
    try:
        multi_currency = (
            current_profile(db, client, max_age=None).feature("multi_currency") is not False
        )
        end = period_end(period)
        held = read_held_lines(client, end, multi_currency=multi_currency)
        accounts = sorted(
            {
                int(row.account_id)
                for row in mapping.rows
                if row.account_type in ("deferred_revenue", "unbilled_receivable")
            }
        )
        balances = read_balances(client, end, accounts, multi_currency=multi_currency)
    except NetSuiteError as exc:
        return unread_result(db, period, exc, context.log)
    result = tie_out(period, postings(db), held, currency_ids, mapping, balances)
    record_tieout(db, result)
    for finding in result.findings:
        context.log.warning(finding)
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=summary(result),
        metadata=tieout_metadata(result),
    )


def unread_error(period: str, exc: Exception) -> str:
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    return (
        f"The tie-out of {period} could not read NetSuite's ledger, so nothing was compared: "
        f"{reason}."
    )


def unread_result(db, period: str, exc: Exception, log) -> dg.AssetCheckResult:
    """NetSuite's ledger could not be read: a failed warning saying why, kept in the store."""
    error = unread_error(period, exc)
    log.warning(error)
    record_tieout(db, TieOut(period, entries_checked=0), error=error)
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=error,
        metadata={
            "entries_checked": dg.MetadataValue.int(0),
            "netsuite_error": dg.MetadataValue.text(error),
        },
    )


def summary(result: TieOut) -> str:
    if result.passed:
        return (
            f"NetSuite's ledger holds all {result.entries_checked} posted RevRec entries through "
            f"{result.period} exactly as posted."
        )
    return " ".join(result.findings)


def tieout_metadata(result: TieOut) -> dict:
    differences = pd.DataFrame(
        [{**vars(d), "difference": d.difference} for d in result.differences],
        columns=[c.source for c in DIFFERENCE_COLUMNS],
    )
    balances = pd.DataFrame(
        [vars(b) for b in result.balances], columns=[c.source for c in BALANCE_COLUMNS]
    )
    return {
        "entries_checked": dg.MetadataValue.int(result.entries_checked),
        "differing_entries": dg.MetadataValue.int(len(result.differing_entries)),
        **amount_entries("difference", result.difference_by_currency(), result.currencies),
        **table_entries("differences", differences, DIFFERENCE_COLUMNS),
        **table_entries("gl_balances", balances, BALANCE_COLUMNS),
        "findings": dg.MetadataValue.md(
            "\n".join(f"- {f}" for f in result.findings) or "No differences."
        ),
    }


tieout_checks = [gl_tieout]

"""Group `journals`: revenue schedule, a closed period's journal entries, and posting them to
NetSuite exactly once (SPEC §7). Period-scoped assets are partitioned by `accounting_period`:
the period is the run's partition key, never guessed.
"""

from collections import defaultdict
from functools import partial

import dagster as dg
import pandas as pd

from revrec_pipeline.journals.entries import (
    PENDING_APPROVAL,
    POSTED,
    JournalEntry,
    build_entries,
    needed_accounts,
    period_details,
)
from revrec_pipeline.journals.recognition import revenue_schedule as schedule_revenue
from revrec_pipeline.netsuite.posting import (
    PostingRefused,
    journal_url,
    post_period,
    refuse_disabled_segments,
)
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.partitions import accounting_period
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.journals import (
    lock_period,
    plan_exists,
    posted_details_before,
    read_journal_inputs,
    read_mapping,
    read_plan,
    record_posting,
    save_plan,
)
from revrec_pipeline.store.periods import (
    closed_periods,
    go_live_period,
    posting_notice,
    unsettled_periods,
)
from revrec_pipeline.store.profile import current_profile, read_profile

GROUP = "journals"
OWNERS = ["team:revrec"]


def partition_period(context: dg.AssetExecutionContext, conn) -> str:
    """The run's partition, which must be a closed period whose earlier periods have posted."""
    period = context.partition_key
    if period not in closed_periods(conn):
        raise dg.Failure(
            f"Period {period} is not closed; journals are posted for closed periods "
            f"(`revrec period close {period}`)."
        )
    earlier = [p for p in unsettled_periods(conn) if p < period]
    if earlier:
        raise dg.Failure(
            f"Post the journals of {', '.join(earlier)} before {period}: periods post in order. "
            f"The period-close sensor requests {period} again once they have posted."
        )
    return period


def _amount(cents: int) -> float:
    # Table cells and plotted values are numbers; the store keeps integer cents.
    return round(cents / 100, 2)


@dg.asset(
    group_name=GROUP,
    deps=["crm_sales_orders"],
    kinds={"pandas"},
    owners=OWNERS,
    tags={"layer": "journals"},
)
def revenue_schedule(store: StoreResource) -> dg.Output[pd.DataFrame]:
    """Recognized revenue per CRM sales order line and period (ratable daily, cent-exact)."""
    with store.get_store().read() as conn:
        _, orders = read_journal_inputs(conn)
    schedule = schedule_revenue(orders)
    totals = (
        schedule.groupby(["period", "currency"])["revenue_cents"].sum().reset_index()
        if len(schedule)
        else pd.DataFrame(columns=["period", "currency", "revenue_cents"])
    )
    totals = totals.sort_values(["period", "currency"], ascending=[False, True]).head(36)
    return dg.Output(
        schedule,
        metadata={
            "dagster/row_count": len(schedule),
            "order_lines": len(orders),
            "revenue_by_period": dg.MetadataValue.table(
                [
                    dg.TableRecord(
                        {
                            "period": r.period,
                            "currency": r.currency,
                            "revenue": _amount(r.revenue_cents),
                        }
                    )
                    for r in totals.itertuples()
                ],
                schema=dg.TableSchema(
                    columns=[
                        dg.TableColumn("period", "string", "YYYY-MM, most recent first"),
                        dg.TableColumn("currency", "string"),
                        dg.TableColumn("revenue", "float", "Recognized, in the currency"),
                    ]
                ),
            ),
        },
    )


ENTRY_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("external_id", "string", "NetSuite external id (upsert key)"),
        dg.TableColumn("event", "string", "billing, revenue or unbilled"),
        dg.TableColumn("currency", "string"),
        dg.TableColumn("lines", "int"),
        dg.TableColumn("debit", "float", "Total debits, in the currency"),
        dg.TableColumn("credit", "float", "Total credits, in the currency"),
    ]
)


def _entry_record(entry: JournalEntry, **extra) -> dict:
    return {
        "external_id": entry.external_id,
        "event": entry.event,
        "currency": entry.currency,
        "lines": len(entry.lines),
        "debit": _amount(entry.debit_cents),
        "credit": _amount(entry.credit_cents),
        **extra,
    }


def _per_currency(entries: list[JournalEntry], prefix: str) -> dict[str, dg.MetadataValue]:
    """`<prefix>_<CUR>`: total debits per currency, a number the UI plots run over run."""
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        totals[entry.currency] += entry.debit_cents
    return {
        f"{prefix}_{cur}": dg.MetadataValue.float(_amount(c)) for cur, c in sorted(totals.items())
    }


@dg.asset(
    group_name=GROUP,
    deps=[revenue_schedule, "invoice_workbook"],
    partitions_def=accounting_period,
    kinds={"sql"},
    owners=OWNERS,
    tags={"layer": "journals"},
    check_specs=[
        dg.AssetCheckSpec(
            "every_account_mapped",
            asset="journal_entries",
            blocking=True,
            description="Every account type the period's entries need is in the mapping.",
        ),
        dg.AssetCheckSpec(
            "journals_balanced",
            asset="journal_entries",
            blocking=True,
            description="Every entry's debits equal its credits, to the cent.",
        ),
    ],
)
def journal_entries(
    context: dg.AssetExecutionContext, store: StoreResource, netsuite: NetSuiteResource
):
    """The period's journal entries, frozen in the store when first computed: billing,
    revenue and unbilled events per currency, summarized by account and segments. A mapping that
    sets a segment the NetSuite account lacks (by its stored profile, which `revrec connect` and
    the sync keep) is refused before anything is planned; no NetSuite request is made."""
    db = store.get_store()
    profile = read_profile(db, netsuite.account_id)
    with db.write(consistent=True) as conn:
        lock_period(conn, context.partition_key)  # a second run of the period waits, then reads
        period = partition_period(context, conn)
        context.log.info(posting_notice(period))
        missing: list[str] = []
        unbalanced: list[str] = []
        if not plan_exists(conn, period):
            billing, orders = read_journal_inputs(conn)
            details = period_details(
                billing, orders, period, go_live_period(conn), posted_details_before(conn, period)
            )
            mapping = read_mapping(conn)
            missing = mapping.missing(needed_accounts(details))
            if not missing and len(details) and profile is not None:
                try:
                    refuse_disabled_segments(mapping, profile)
                except PostingRefused as exc:
                    raise dg.Failure(str(exc)) from None
            if not missing:
                entries = build_entries(details, mapping, period)
                unbalanced = [e.external_id for e in entries if not e.balanced]
                if not unbalanced:
                    save_plan(conn, period, details, entries)
        plan = [entry for entry, _ in read_plan(conn, period)]
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "entries": len(plan),
            "dagster/row_count": sum(len(e.lines) for e in plan),
            "dagster/column_schema": ENTRY_SCHEMA,
            "entries_table": dg.MetadataValue.table(
                [dg.TableRecord(_entry_record(e)) for e in plan], schema=ENTRY_SCHEMA
            ),
            **_per_currency(plan, "debits"),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_account_mapped",
                passed=not missing,
                description=" ".join(missing) or "Every needed account type is mapped.",
                metadata={"missing_account_types": len(missing)},
            ),
            dg.AssetCheckResult(
                check_name="journals_balanced",
                passed=not unbalanced,
                description=f"Unbalanced: {', '.join(unbalanced)}" if unbalanced else "Balanced.",
                metadata={"entries": len(plan), "unbalanced_entries": len(unbalanced)},
            ),
        ],
    )


@dg.asset(
    group_name=GROUP,
    deps=[journal_entries],
    partitions_def=accounting_period,
    pool="netsuite",
    kinds={"netsuite"},
    owners=OWNERS,
    tags={"layer": "journals"},
)
def posted_journals(
    context: dg.AssetExecutionContext, store: StoreResource, netsuite: NetSuiteResource
) -> dg.MaterializeResult:
    """The period's planned entries posted by external id (upsert), each read back and every
    line verified; an entry NetSuite holds for approval is recorded pending approval. Re-running
    a period posts only what is not posted yet."""
    db = store.get_store()
    with db.read() as conn:
        period = partition_period(context, conn)
        plan = read_plan(conn, period)
        mapping = read_mapping(conn)
        currency_ids = {
            row.symbol: str(row.id) for row in conn.execute(schema.netsuite_currency.select())
        }
    todo = [(entry, state) for entry, state in plan if state["status"] != POSTED]
    context.log.info(f"{period}: {len(plan)} entries planned, {len(todo)} not yet posted.")
    outcome = None
    if todo:
        client = netsuite.get_client(log=context.log.warning)
        try:
            outcome = post_period(
                client,
                # A stored profile of any age: posting reads no columns, only which features exist.
                current_profile(db, client, max_age=None),
                period,
                todo,
                mapping=mapping,
                currency_ids=currency_ids,
                approved=netsuite.journal_approved,
                record=partial(record_posting, db),
                log=context.log,
            )
        except PostingRefused as exc:
            raise dg.Failure(str(exc)) from None
        if outcome.pending:
            context.log.warning(
                f"{len(outcome.pending)} journal entries for {period} are in NetSuite pending "
                f"approval ({', '.join(outcome.pending)}); they are not posted until approved there."
            )
        if outcome.failures:
            raise dg.Failure(
                description=(
                    f"{len(outcome.failures)} of {len(todo)} journal entries for {period} were "
                    "not posted; re-run to post the rest (nothing is duplicated): "
                    + "; ".join(outcome.failures)
                ),
            )
    with db.read() as conn:
        posted_plan = read_plan(conn, period)
    return dg.MaterializeResult(metadata=posting_metadata(netsuite, period, posted_plan, outcome))


POSTING_SCHEMA = dg.TableSchema(
    columns=[
        *ENTRY_SCHEMA.columns,
        dg.TableColumn("status", "string", "posted, pending_approval, failed or planned"),
        dg.TableColumn("netsuite_id", "string", "NetSuite internal id of the journal"),
    ]
)
ACCOUNT_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("event", "string"),
        dg.TableColumn("currency", "string"),
        dg.TableColumn("account", "string", "NetSuite account internal id"),
        dg.TableColumn("debit", "float"),
        dg.TableColumn("credit", "float"),
    ]
)


def posting_metadata(netsuite: NetSuiteResource, period: str, plan, outcome) -> dict:
    statuses = {entry.external_id: state["status"] for entry, state in plan}
    pending = sorted(e for e, status in statuses.items() if status == PENDING_APPROVAL)
    by_account: dict[tuple[str, str, str], list[int]] = {}
    for entry, _ in plan:
        for line in entry.lines:
            totals = by_account.setdefault((entry.event, entry.currency, line.account_id), [0, 0])
            totals[0] += line.debit_cents
            totals[1] += line.credit_cents
    links = {
        f"netsuite_journal {entry.external_id}": dg.MetadataValue.url(
            journal_url(netsuite.account_id, netsuite.base_url, state["netsuite_id"])
        )
        for entry, state in plan
        if state["netsuite_id"]
    }
    posted = [entry for entry, state in plan if state["status"] == POSTED]
    return {
        "period": period,
        "entries": len(plan),
        "posted": len(posted),
        "pending_approval": len(pending),
        "posted_now": outcome.posted_now if outcome else 0,
        "written_now": outcome.written if outcome else 0,
        "dagster/column_schema": POSTING_SCHEMA,
        "postings": dg.MetadataValue.table(
            [
                dg.TableRecord(
                    _entry_record(
                        entry, status=state["status"], netsuite_id=state["netsuite_id"] or ""
                    )
                )
                for entry, state in plan
            ],
            schema=POSTING_SCHEMA,
        ),
        "by_account": dg.MetadataValue.table(
            [
                dg.TableRecord(
                    {
                        "event": event,
                        "currency": currency,
                        "account": account,
                        "debit": _amount(d),
                        "credit": _amount(c),
                    }
                )
                for (event, currency, account), (d, c) in sorted(by_account.items())
            ],
            schema=ACCOUNT_SCHEMA,
        ),
        **_per_currency(posted, "posted"),
        **links,
        "pending_approval_ids": dg.MetadataValue.json(pending),
    }


journal_assets = [revenue_schedule, journal_entries, posted_journals]

"""Group `journals`: revenue schedule, a closed period's journal entries, and posting them to
NetSuite exactly once (SPEC §7). Period-scoped assets are partitioned by `accounting_period`:
the period is the run's partition key, never guessed.
"""

from collections import defaultdict
from functools import partial

import dagster as dg
import pandas as pd
from sqlalchemy.exc import IntegrityError

from revrec_pipeline.assets.metadata import (
    OWNERS,
    amount_entries,
    frame_entries,
    integer,
    money,
    table_entries,
    table_schema,
    text,
)
from revrec_pipeline.journals.entries import (
    PENDING_APPROVAL,
    POSTED,
    JournalEntry,
    build_entries,
    needed_accounts,
    period_details,
)
from revrec_pipeline.journals.recognition import revenue_schedule as schedule_revenue
from revrec_pipeline.journals.subsidiaries import unresolved_problem
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
    customer_subsidiaries,
    lock_period,
    oneworld_store,
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
from revrec_pipeline.store.reopen import (
    settle_superseded,
    superseded_postings,
    unsettled_superseded,
)

GROUP = "journals"


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
    totals = totals.sort_values(["period", "currency"], ascending=[False, True])
    return dg.Output(
        schedule,
        metadata={
            **frame_entries(schedule),
            "order_lines": len(orders),
            **table_entries("revenue_by_period", totals, REVENUE_COLUMNS),
        },
    )


REVENUE_COLUMNS = [
    text("period", "period", "YYYY-MM, most recent first"),
    text("currency", "currency"),
    money("revenue", "revenue_cents", "Recognized revenue in the currency."),
]
ENTRY_COLUMNS = [
    text("external_id", "external_id", "NetSuite external id (the upsert key)."),
    text("event", "event", "billing, revenue or unbilled."),
    text("subsidiary", "subsidiary", "NetSuite subsidiary internal id (OneWorld)."),
    text("currency", "currency"),
    integer("lines", "lines"),
    money("debit", "debit_cents", "Total debits in the currency."),
    money("credit", "credit_cents", "Total credits in the currency."),
]
POSTING_COLUMNS = [
    *ENTRY_COLUMNS,
    text("status", "status", "posted, pending_approval, failed or planned."),
    text("netsuite_id", "netsuite_id", "NetSuite internal id of the journal entry."),
]
ACCOUNT_COLUMNS = [
    text("event", "event"),
    text("subsidiary", "subsidiary", "NetSuite subsidiary internal id (OneWorld)."),
    text("currency", "currency"),
    text("account", "account", "NetSuite account internal id."),
    money("debit", "debit_cents"),
    money("credit", "credit_cents"),
]


def entry_frame(plan: list[tuple[JournalEntry, dict]]) -> pd.DataFrame:
    """One row per entry, amounts in integer cents, with its posting state."""
    return pd.DataFrame(
        [
            {
                "external_id": e.external_id,
                "event": e.event,
                "subsidiary": e.subsidiary,
                "currency": e.currency,
                "lines": len(e.lines),
                "debit_cents": e.debit_cents,
                "credit_cents": e.credit_cents,
                "status": state["status"],
                "netsuite_id": state["netsuite_id"] or "",
            }
            for e, state in plan
        ],
        columns=[c.source for c in POSTING_COLUMNS],
    )


def account_frame(plan: list[tuple[JournalEntry, dict]]) -> pd.DataFrame:
    """Debits and credits per event, subsidiary, currency and account, in integer cents."""
    totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for entry, _ in plan:
        for line in entry.lines:
            pair = totals[(entry.event, entry.subsidiary, entry.currency, line.account_id)]
            pair[0] += line.debit_cents
            pair[1] += line.credit_cents
    return pd.DataFrame(
        [(*key, d, c) for key, (d, c) in sorted(totals.items())],
        columns=[c.source for c in ACCOUNT_COLUMNS],
    )


def debits_by_currency(frame: pd.DataFrame) -> dict[str, int]:
    return {cur: int(c) for cur, c in frame.groupby("currency")["debit_cents"].sum().items()}


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

    def plan_period():
        with db.write(consistent=True) as conn:
            lock_period(conn, context.partition_key)  # a second run of the period waits here
            period = partition_period(context, conn)
            context.log.info(posting_notice(period))
            missing: list[str] = []
            unbalanced: list[str] = []
            if not plan_exists(conn, period):
                billing, orders = read_journal_inputs(conn)
                if oneworld_store(conn) and (orders["subsidiary"] == "").any():
                    # Only then the matches again, for the sentence that names why.
                    problem = unresolved_problem(orders, customer_subsidiaries(conn))
                    if problem:
                        raise dg.Failure(problem)
                details = period_details(
                    billing,
                    orders,
                    period,
                    go_live_period(conn),
                    posted_details_before(conn, period),
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
            plan = read_plan(conn, period)
            return period, plan, missing, unbalanced

    try:
        period, plan, missing, unbalanced = plan_period()
    except IntegrityError:
        # Another run planned the period while this one waited for the lock; on PostgreSQL
        # this transaction's snapshot predates that commit. A new transaction reads its plan.
        period, plan, missing, unbalanced = plan_period()
    entries = entry_frame(plan)
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "entries": len(entries),
            "dagster/row_count": int(entries["lines"].sum()),
            "dagster/column_schema": table_schema(ENTRY_COLUMNS),
            **table_entries("entries_table", entries, ENTRY_COLUMNS),
            **amount_entries("debits", debits_by_currency(entries)),
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
                metadata={"entries": len(entries), "unbalanced_entries": len(unbalanced)},
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
        if not plan_exists(conn, period):
            # Without a plan a reopened period's old entries would be deleted with nothing
            # to replace them: the plan comes first (journal_posting_job runs both).
            raise dg.Failure(
                f"{period} has no journal plan yet: materialize journal_entries for {period} "
                "first (journal_posting_job and `revrec journals post` run both)."
            )
        plan = read_plan(conn, period)
        mapping = read_mapping(conn)
        currency_ids = {
            row.symbol: str(row.id) for row in conn.execute(schema.netsuite_currency.select())
        }
        superseded = unsettled_superseded(conn, period)
    todo = [(entry, state) for entry, state in plan if state["status"] != POSTED]
    context.log.info(f"{period}: {len(plan)} entries planned, {len(todo)} not yet posted.")
    if superseded:
        context.log.info(
            f"{period} was reopened: {len(superseded)} entries of its superseded plan to replace "
            "or delete in NetSuite."
        )
    outcome = None
    if todo or superseded:
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
                superseded=superseded,
                planned_ids=[entry.external_id for entry, _ in plan],
                settle=partial(settle_superseded, db),
            )
        except PostingRefused as exc:
            raise dg.Failure(str(exc)) from None
        if outcome.pending:
            context.log.warning(
                f"{len(outcome.pending)} journal entries for {period} are in NetSuite pending "
                f"approval ({', '.join(outcome.pending)}); they are not posted until approved there."
            )
        if outcome.failures:
            what = "posted or removed" if superseded else "posted"
            raise dg.Failure(
                description=(
                    f"{len(outcome.failures)} of {len(todo) + len(superseded)} journal entries "
                    f"for {period} were not {what}; re-run to post the rest (nothing is "
                    "duplicated): " + "; ".join(outcome.failures)
                ),
            )
    with db.read() as conn:
        posted_plan = read_plan(conn, period)
    metadata = posting_metadata(netsuite, period, posted_plan, outcome)
    history = superseded_postings(db, period)
    if history:
        metadata.update(superseded_metadata(history, outcome))
    return dg.MaterializeResult(metadata=metadata)


SUPERSEDED_COLUMNS = [
    integer("reopen", "reopen_id", "The reopen that superseded the entry."),
    text("external_id", "external_id"),
    text("status", "status", "Its posting status when the period was reopened."),
    text("netsuite_id", "netsuite_id", "NetSuite internal id it had."),
    text("currency", "currency"),
    money("debit", "debit_cents"),
    text("settled", "settled", "replaced (same external id in the new plan), deleted, absent."),
]


def superseded_metadata(history: list[dict], outcome) -> dict:
    """What became of the entries of the period's superseded plans (its reopens)."""
    frame = pd.DataFrame(history, columns=[c.source for c in SUPERSEDED_COLUMNS]).fillna("")
    return {
        "reopens": len({row["reopen_id"] for row in history}),
        "superseded_deleted_now": len(outcome.deleted) if outcome else 0,
        **table_entries("superseded", frame, SUPERSEDED_COLUMNS),
    }


def posting_metadata(netsuite: NetSuiteResource, period: str, plan, outcome) -> dict:
    entries = entry_frame(plan)
    posted = entries[entries["status"] == POSTED]
    pending = sorted(entries.loc[entries["status"] == PENDING_APPROVAL, "external_id"])
    links = {
        f"netsuite_journal {row.external_id}": dg.MetadataValue.url(
            journal_url(netsuite.account_id, netsuite.base_url, row.netsuite_id)
        )
        for row in entries.itertuples()
        if row.netsuite_id
    }
    return {
        "period": period,
        "entries": len(entries),
        "posted": len(posted),
        "pending_approval": len(pending),
        "posted_now": outcome.posted_now if outcome else 0,
        "written_now": outcome.written if outcome else 0,
        "dagster/column_schema": table_schema(POSTING_COLUMNS),
        **table_entries("postings", entries, POSTING_COLUMNS),
        **table_entries("by_account", account_frame(plan), ACCOUNT_COLUMNS),
        **amount_entries("posted", debits_by_currency(posted)),
        **links,
        "pending_approval_ids": dg.MetadataValue.json(pending),
    }


journal_assets = [revenue_schedule, journal_entries, posted_journals]

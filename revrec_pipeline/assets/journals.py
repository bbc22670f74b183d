"""Group `journals`: revenue schedule, the closed period's journal entries, and posting them
to NetSuite exactly once (SPEC §7).

The period comes from the run's `revrec/period` tag (set by the period-close sensor and by
`revrec journals post`); without it, the latest closed period is used.
"""

import dagster as dg
import pandas as pd

from revrec_pipeline.journals import readback
from revrec_pipeline.journals.entries import (
    JournalEntry,
    build_entries,
    entry_body,
    needed_accounts,
    one_currency_problem,
    period_details,
)
from revrec_pipeline.journals.mapping import AccountMapping, disabled_segments
from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.journals.posting_period import (
    PostingPeriodError,
    choose_posting_period,
    closed_problem,
    posting_period_query,
)
from revrec_pipeline.journals.recognition import revenue_schedule as schedule_revenue
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, StoreResource
from revrec_pipeline.store.journals import (
    FAILED,
    PENDING_APPROVAL,
    POSTED,
    lock_period,
    plan_exists,
    posted_details_before,
    read_journal_inputs,
    read_mapping,
    read_plan,
    record_posting,
    save_plan,
)
from revrec_pipeline.store.periods import closed_periods, go_live_period, posting_notice
from revrec_pipeline.store.profile import current_profile, read_profile

GROUP = "journals"
PERIOD_TAG = "revrec/period"


def target_period(context, conn) -> str:
    closed = closed_periods(conn)
    period = context.run.tags.get(PERIOD_TAG) or (closed[-1] if closed else None)
    if period is None:
        raise dg.Failure(
            "No accounting period is closed yet: close one with `revrec period close`."
        )
    if period not in closed:
        raise dg.Failure(f"Period {period} is not closed; journals are posted for closed periods.")
    return period


@dg.asset(group_name=GROUP, deps=["crm_sales_orders"], kinds={"pandas"})
def revenue_schedule(store: StoreResource) -> dg.Output[pd.DataFrame]:
    """Recognized revenue per CRM sales order line and period (ratable daily, cent-exact)."""
    with store.get_store().read() as conn:
        _, orders = read_journal_inputs(conn)
    schedule = schedule_revenue(orders)
    totals = (
        schedule.groupby(["period", "currency"])["revenue_cents"].sum().reset_index()
        if len(schedule)
        else schedule
    )
    return dg.Output(
        schedule,
        metadata={
            "dagster/row_count": len(schedule),
            "order_lines": len(orders),
            "revenue_by_period": dg.MetadataValue.md(
                totals.tail(24).to_markdown(index=False) if len(totals) else "(empty)"
            ),
        },
    )


@dg.asset(
    group_name=GROUP,
    deps=[revenue_schedule, "invoice_workbook"],
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
    """The closed period's entries, frozen in the store when first computed. A mapping that
    sets a segment the NetSuite account lacks (by its stored profile, which `revrec connect`
    and the sync keep) is refused before anything is planned; no NetSuite request is made."""
    db = store.get_store()
    profile = read_profile(db, netsuite.account_id)
    with db.write(consistent=True) as conn:
        period = target_period(context, conn)
        lock_period(conn, period)  # a second run planning the same period waits, then reads it
        context.log.info(posting_notice(period))
        unplanned = [p for p in closed_periods(conn) if p < period and not plan_exists(conn, p)]
        if unplanned:
            raise dg.Failure(
                f"Post the journals of {', '.join(unplanned)} before {period}: periods post in order."
            )
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
                refuse_disabled_segments(mapping, profile)
            if not missing:
                entries = build_entries(details, mapping, period)
                unbalanced = [e.external_id for e in entries if not e.balanced]
                if not unbalanced:
                    save_plan(conn, period, details, entries)
        plan = [entry for entry, _ in read_plan(conn, period)]
    summary = pd.DataFrame(
        [
            {
                "external_id": e.external_id,
                "lines": len(e.lines),
                "debit": f"{e.debit_cents / 100:,.2f}",
                "credit": f"{e.credit_cents / 100:,.2f}",
            }
            for e in plan
        ]
    )
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "entries": len(plan),
            "dagster/row_count": sum(len(e.lines) for e in plan),
            "preview": dg.MetadataValue.md(
                summary.to_markdown(index=False, disable_numparse=True)
                if len(summary)
                else "(no entries)"
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_account_mapped",
                passed=not missing,
                description=" ".join(missing) or "Every needed account type is mapped.",
            ),
            dg.AssetCheckResult(
                check_name="journals_balanced",
                passed=not unbalanced,
                description=f"Unbalanced: {', '.join(unbalanced)}" if unbalanced else "Balanced.",
            ),
        ],
    )


# -- posting -------------------------------------------------------------------------------------


def refuse_disabled_segments(mapping: AccountMapping, profile: AccountProfile) -> None:
    """Fail, before any journal request, when the mapping sets a segment whose feature the
    account lacks."""
    problems = disabled_segments(mapping, profile.feature)
    if problems:
        raise dg.Failure(" ".join(problems))


def netsuite_posting_period(client, period: str) -> dict:
    """The period's one calendar-month NetSuite posting period, found by date range."""
    rows = client.query_small(posting_period_query(period_end(period)))
    try:
        return choose_posting_period(rows, period)
    except PostingPeriodError as exc:
        raise dg.Failure(str(exc)) from None


class _Posting:
    """One run's work on the period's entries: what NetSuite holds, what to write, and the
    record of each outcome in the store."""

    def __init__(self, context, db, client, profile: AccountProfile, netsuite_period: dict):
        self.context, self.db, self.client = context, db, client
        self.profile, self.netsuite_period = profile, netsuite_period
        self.failures: list[str] = []
        self.pending: list[str] = []  # external ids NetSuite holds pending approval
        self.posted_now = 0
        self.written = 0

    def read(self, entry: JournalEntry) -> tuple[dict | None, list[str]]:
        held = self.client.get_journal_entry(f"eid:{entry.external_id}")
        return held, readback.differences(entry, held, self.netsuite_period["id"])

    def approval(self, held: dict) -> tuple[str | None, str | None]:
        """(PENDING, APPROVED or REJECTED, None), or (None, why nothing tells)."""
        state = readback.approval(held, self.profile.feature("journal_approval"))
        if state is not None:
            return state, None
        # The record shows neither form: SuiteQL's transaction row tells.
        rows = self.client.query_small(readback.APPROVAL_QUERY, [held["id"]])
        row = rows[0] if rows else None
        state = readback.approval_of_row(row)
        return state, None if state else readback.unknown_approval(held["id"], row)

    def record_held(self, entry: JournalEntry, held: dict, how: str) -> None:
        """NetSuite holds the entry as planned: record it posted, or pending approval."""
        netsuite_id = str(held["id"])
        state, unknown = self.approval(held)
        if unknown:
            self.fail(entry, unknown, netsuite_id)
        elif state == readback.REJECTED:
            self.fail(
                entry,
                "an approver rejected it in NetSuite (journal "
                f"{netsuite_id}); edit or delete it there, then re-run",
                netsuite_id,
            )
        elif state == readback.PENDING:
            record_posting(
                self.db,
                entry.external_id,
                status=PENDING_APPROVAL,
                netsuite_id=netsuite_id,
                verified=True,
            )
            self.pending.append(entry.external_id)
            self.context.log.warning(
                f"{entry.external_id} {how} as NetSuite journal {netsuite_id}, pending approval "
                "in NetSuite: it posts once approved; a re-run then records it posted."
            )
        elif state == readback.APPROVED:
            record_posting(
                self.db, entry.external_id, status=POSTED, netsuite_id=netsuite_id, verified=True
            )
            self.posted_now += 1
            self.context.log.info(f"{entry.external_id} {how} as NetSuite journal {netsuite_id}.")

    def fail(self, entry: JournalEntry, problem: str, netsuite_id: str | None = None) -> None:
        self.failures.append(f"{entry.external_id}: {problem}")
        record_posting(
            self.db, entry.external_id, status=FAILED, netsuite_id=netsuite_id, error=problem
        )


@dg.asset(group_name=GROUP, deps=[journal_entries], pool="netsuite", kinds={"netsuite"})
def posted_journals(
    context: dg.AssetExecutionContext, store: StoreResource, netsuite: NetSuiteResource
) -> dg.MaterializeResult:
    """Post the period's planned entries by external id (upsert), read each back and verify
    every line; an entry NetSuite holds for approval is recorded pending approval."""
    db = store.get_store()
    with db.read() as conn:
        period = target_period(context, conn)
        plan = read_plan(conn, period)
        mapping = read_mapping(conn)
        currency_ids = {
            row.symbol: str(row.id) for row in conn.execute(schema.netsuite_currency.select())
        }
    todo = [(entry, state) for entry, state in plan if state["status"] != POSTED]
    context.log.info(f"{period}: {len(plan)} entries planned, {len(todo)} not yet posted.")
    run = None
    if todo:
        client = netsuite.get_client(log=context.log.warning)
        # A stored profile of any age: posting reads no columns, only which features exist.
        profile = current_profile(db, client, max_age=None)
        # Refusals that need no journal request come first: nothing is read or written.
        refuse_disabled_segments(mapping, profile)
        if profile.feature("multi_currency") is False:
            wrong = one_currency_problem([entry for entry, _ in todo], period, list(currency_ids))
            if wrong:
                raise dg.Failure(wrong)
        netsuite_period = netsuite_posting_period(client, period)
        run = _Posting(context, db, client, profile, netsuite_period)
        post_entries(run, todo, mapping, currency_ids, netsuite.journal_approved)
        if run.pending:
            context.log.warning(
                f"{len(run.pending)} journal entries for {period} are in NetSuite pending "
                f"approval ({', '.join(run.pending)}); they are not posted until approved there."
            )
    if run and run.failures:
        raise dg.Failure(
            description=(
                f"{len(run.failures)} of {len(todo)} journal entries for {period} were not "
                "posted; re-run to post the rest (nothing is duplicated): "
                + "; ".join(run.failures)
            ),
        )
    return dg.MaterializeResult(metadata=posting_metadata(db, period, plan, run))


def post_entries(run: _Posting, todo, mapping, currency_ids, approved: bool) -> None:
    """Each entry not yet posted: recorded when NetSuite already holds it as planned, else
    written (upsert by external id), read back and verified."""
    send_currency = run.profile.feature("multi_currency") is not False
    subsidiary = mapping.subsidiary if run.profile.feature("oneworld") is not False else ""
    period_checked = False
    for entry, state in todo:
        netsuite_id = state["netsuite_id"]
        try:
            # Already in NetSuite (an answer lost, a run killed before it recorded, an entry
            # pending approval)? Then record it, even if the period has been closed since.
            held, problems = run.read(entry)
            if held is not None and not problems:
                run.record_held(entry, held, "was already in NetSuite")
                continue
            if state["status"] == PENDING_APPROVAL:
                # It waited for approval and has changed (or gone) since: someone acted on it
                # in NetSuite. Say so rather than overwrite it.
                run.fail(
                    entry,
                    f"it was pending approval in NetSuite and now {readback.describe(problems)}",
                    netsuite_id,
                )
                continue
            if not period_checked:
                closed = closed_problem(run.netsuite_period)
                if closed:
                    raise dg.Failure(closed)
                period_checked = True
            if send_currency and entry.currency not in currency_ids:
                run.fail(entry, f"NetSuite currency {entry.currency} unknown")
                continue
            body = entry_body(
                entry,
                currency_ids.get(entry.currency) if send_currency else None,
                subsidiary,
                run.netsuite_period["id"],
                approved=approved,
            )
            netsuite_id = run.client.upsert_journal_entry(entry.external_id, body)
            run.written += 1
            held, problems = run.read(entry)
            if problems:
                run.fail(entry, readback.describe(problems), netsuite_id)
                continue
            run.record_held(entry, held, "posted")
        except NetSuiteError as exc:
            run.fail(entry, str(exc), netsuite_id)


def posting_metadata(db: RevRecStore, period: str, plan, run: _Posting | None) -> dict:
    with db.read() as conn:
        states = {entry.external_id: state["status"] for entry, state in read_plan(conn, period)}
    pending = sorted(e for e, status in states.items() if status == PENDING_APPROVAL)
    by_account: dict[tuple[str, str, str], list[int]] = {}
    for entry, _ in plan:
        for line in entry.lines:
            key = (entry.event, entry.currency, line.account_id)
            totals = by_account.setdefault(key, [0, 0])
            totals[0] += line.debit_cents
            totals[1] += line.credit_cents
    summary = pd.DataFrame(
        [
            {
                "event": event,
                "currency": currency,
                "account": account,
                "debit": f"{d / 100:,.2f}",
                "credit": f"{c / 100:,.2f}",
            }
            for (event, currency, account), (d, c) in sorted(by_account.items())
        ]
    )
    return {
        "period": period,
        "entries": len(plan),
        "posted": sum(1 for status in states.values() if status == POSTED),
        "pending_approval": len(pending),
        "posted_now": run.posted_now if run else 0,
        "written_now": run.written if run else 0,
        "summary": dg.MetadataValue.md(
            summary.to_markdown(
                index=False,
                disable_numparse=True,
                colalign=("left", "left", "right", "right", "right"),
            )
            if len(summary)
            else "(nothing to post)"
        ),
        "external_ids": dg.MetadataValue.json([e.external_id for e, _ in plan]),
        "pending_approval_ids": dg.MetadataValue.json(pending),
    }


journal_assets = [revenue_schedule, journal_entries, posted_journals]

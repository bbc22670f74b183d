"""Group `journals`: revenue schedule, the closed period's journal entries, and posting them
to NetSuite exactly once (SPEC §7).

The period comes from the run's `revrec/period` tag (set by the period-close sensor and by
`revrec journals post`); without it, the latest closed period is used.
"""

from decimal import Decimal

import dagster as dg
import pandas as pd

from revrec_pipeline.journals.entries import (
    build_entries,
    entry_body,
    needed_accounts,
    period_details,
)
from revrec_pipeline.journals.periods import period_start
from revrec_pipeline.journals.recognition import revenue_schedule as schedule_revenue
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.invoices import go_live_period
from revrec_pipeline.store.journals import (
    FAILED,
    POSTED,
    closed_periods,
    lock_period,
    plan_exists,
    posted_details_before,
    posting_notice,
    read_journal_inputs,
    read_mapping,
    read_plan,
    record_posting,
    save_plan,
)

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
def journal_entries(context: dg.AssetExecutionContext, store: StoreResource):
    """The closed period's entries, frozen in the store when first computed."""
    db = store.get_store()
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


def _netsuite_period(client, period: str) -> dict:
    rows = client.query_small(
        "SELECT id, periodname, closed, alllocked, arlocked FROM accountingperiod "
        "WHERE isquarter = 'F' AND isyear = 'F' AND isadjust = 'F' "
        "AND startdate = TO_DATE(?, 'YYYY-MM-DD') ORDER BY id",
        [period_start(period).isoformat()],
    )
    if len(rows) != 1:
        raise dg.Failure(
            f"NetSuite has {len(rows) or 'no'} posting month(s) starting {period_start(period)}; "
            "expected exactly one."
        )
    found = rows[0]
    if found.get("closed") == "T" or found.get("alllocked") == "T":
        raise dg.Failure(
            f"NetSuite period {found.get('periodname', period)} is closed or locked; reopen it "
            "(or unlock it) in NetSuite before posting."
        )
    return found


def _cents(value) -> int:
    return int(Decimal(str(value or 0)) * 100)


def _verify(entry, netsuite_record: dict | None, posting_period_id: str | None) -> str | None:
    """What differs between the planned entry and what NetSuite holds, or None."""
    if netsuite_record is None:
        return "NetSuite has no entry with this external id after the upsert"
    items = netsuite_record.get("line", {}).get("items", [])
    debit = sum(_cents(i.get("debit")) for i in items)
    credit = sum(_cents(i.get("credit")) for i in items)
    if len(items) != len(entry.lines) or debit != entry.debit_cents or credit != entry.credit_cents:
        return (
            f"NetSuite holds {len(items)} lines, debit {debit / 100:.2f}, credit {credit / 100:.2f}; "
            f"planned {len(entry.lines)} lines, debit {entry.debit_cents / 100:.2f}, credit "
            f"{entry.credit_cents / 100:.2f}"
        )
    held_period = (netsuite_record.get("postingPeriod") or {}).get("id")
    if posting_period_id and held_period and str(held_period) != str(posting_period_id):
        return f"NetSuite moved it to posting period {held_period}"
    return None


@dg.asset(group_name=GROUP, deps=[journal_entries], pool="netsuite", kinds={"netsuite"})
def posted_journals(
    context: dg.AssetExecutionContext, store: StoreResource, netsuite: NetSuiteResource
) -> dg.MaterializeResult:
    """Post the period's planned entries by external id (upsert), read each back and verify."""
    db = store.get_store()
    with db.read() as conn:
        period = target_period(context, conn)
        plan = read_plan(conn, period)
        mapping = read_mapping(conn)
        currency_ids = {
            row.symbol: str(row.id) for row in conn.execute(schema.netsuite_currency.select())
        }
    pending = [(entry, state) for entry, state in plan if state["status"] != POSTED]
    context.log.info(f"{period}: {len(plan)} entries planned, {len(pending)} to post.")
    client = netsuite.get_client(log=context.log.warning)
    failures: list[str] = []
    netsuite_period = None  # looked up once, and only when an entry must be written
    for entry, _state in pending:
        internal_id = None
        try:
            # Already in NetSuite (an answer lost, or a run killed before it recorded)? Then
            # record it, even if the period has been closed since.
            held = client.get_journal_entry(f"eid:{entry.external_id}")
            if held is not None and _verify(entry, held, None) is None:
                record_posting(
                    db, entry.external_id, status=POSTED, netsuite_id=str(held["id"]), verified=True
                )
                context.log.info(f"{entry.external_id} was already in NetSuite; recorded it.")
                continue
            if entry.currency not in currency_ids:
                failures.append(f"{entry.external_id}: NetSuite currency {entry.currency} unknown")
                record_posting(db, entry.external_id, status=FAILED, error=failures[-1])
                continue
            netsuite_period = netsuite_period or _netsuite_period(client, period)
            body = entry_body(
                entry, currency_ids[entry.currency], mapping.subsidiary, netsuite_period["id"]
            )
            internal_id = client.upsert_journal_entry(entry.external_id, body)
            problem = _verify(
                entry,
                client.get_journal_entry(f"eid:{entry.external_id}"),
                netsuite_period["id"],
            )
        except NetSuiteError as exc:
            failures.append(f"{entry.external_id}: {exc}")
            record_posting(
                db, entry.external_id, status=FAILED, netsuite_id=internal_id, error=str(exc)
            )
            continue
        if problem:
            failures.append(f"{entry.external_id}: {problem}")
            record_posting(
                db, entry.external_id, status=FAILED, netsuite_id=internal_id, error=problem
            )
            continue
        record_posting(db, entry.external_id, status=POSTED, netsuite_id=internal_id, verified=True)
        context.log.info(f"Posted {entry.external_id} as NetSuite journal {internal_id}.")
    if failures:
        raise dg.Failure(
            description=(
                f"{len(failures)} of {len(pending)} journal entries for {period} were not posted; "
                "re-run to post the rest (nothing is duplicated): " + "; ".join(failures)
            ),
        )
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
    return dg.MaterializeResult(
        metadata={
            "period": period,
            "posted_now": len(pending),
            "entries": len(plan),
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
        }
    )


journal_assets = [revenue_schedule, journal_entries, posted_journals]

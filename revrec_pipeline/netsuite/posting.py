"""Posting a period's planned journal entries to NetSuite (SPEC §7): each entry upserted by its
external id, read back and verified line by line, its outcome recorded through one callback.

No Dagster and no store here: the caller passes `record(external_id, status=..., netsuite_id=...,
verified=..., error=...)` and a logger with `info` and `warning`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from revrec_pipeline.journals import readback
from revrec_pipeline.journals.entries import (
    FAILED,
    PENDING_APPROVAL,
    POSTED,
    JournalEntry,
    entry_body,
    one_currency_problem,
)
from revrec_pipeline.journals.mapping import AccountMapping, disabled_segments
from revrec_pipeline.journals.periods import period_end
from revrec_pipeline.journals.posting_period import (
    PostingPeriodError,
    choose_posting_period,
    closed_problem,
    posting_period_query,
)
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.settings import host_account_id

Record = Callable[..., None]
Settle = Callable[[int, str, str], None]  # (reopen id, external id, replaced|deleted|absent)


class Log(Protocol):
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...


class PostingRefused(RuntimeError):
    """The period cannot be posted at all (nothing was written); the message says why."""


@dataclass
class PostingOutcome:
    failures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # external ids pending approval
    posted_now: int = 0
    written: int = 0
    deleted: list[str] = field(default_factory=list)  # superseded entries deleted in NetSuite


def refuse_disabled_segments(mapping: AccountMapping, profile: AccountProfile) -> None:
    """Refuse, before any journal request, a mapping that sets a segment the account lacks."""
    problems = disabled_segments(mapping, profile.feature)
    if problems:
        raise PostingRefused(" ".join(problems))


def netsuite_posting_period(client, period: str) -> dict:
    """The period's one calendar-month NetSuite posting period, found by date range."""
    rows = client.query_small(posting_period_query(period_end(period)))
    try:
        return choose_posting_period(rows, period)
    except PostingPeriodError as exc:
        raise PostingRefused(str(exc)) from None


def journal_url(account_id: str, base_url: str, netsuite_id: str) -> str:
    """The journal's page in NetSuite's UI; under the REST base URL when it is overridden (the
    sandbox serves the same path)."""
    path = f"/app/accounting/transactions/journal.nl?id={netsuite_id}"
    if base_url:
        return base_url.rstrip("/") + path
    return f"https://{host_account_id(account_id)}.app.netsuite.com{path}"


def post_period(
    client,
    profile: AccountProfile,
    period: str,
    todo: Sequence[tuple[JournalEntry, dict[str, Any]]],
    *,
    mapping: AccountMapping,
    currency_ids: dict[str, str],
    approved: bool,
    record: Record,
    log: Log,
    superseded: Sequence[dict[str, Any]] = (),
    planned_ids: Collection[str] = (),
    settle: Settle | None = None,
) -> PostingOutcome:
    """Post each entry of `todo` (entry, stored state) that NetSuite does not already hold as
    planned; then, after a reopen, settle each `superseded` entry (a stored row of the old plan):
    replaced when `planned_ids` (the new plan) has its external id, else deleted in NetSuite.
    Refusals that need no journal request come first: nothing is read or written."""
    refuse_disabled_segments(mapping, profile)
    if profile.feature("multi_currency") is False:
        wrong = one_currency_problem([entry for entry, _ in todo], period, list(currency_ids))
        if wrong:
            raise PostingRefused(wrong)
    posting = _PeriodPosting(client, profile, netsuite_posting_period(client, period), record, log)
    posting.post(todo, mapping, currency_ids, approved)
    if superseded and settle is not None:
        posting.remove_superseded(superseded, set(planned_ids), settle)
    return posting.outcome


class _PeriodPosting:
    """One run's work on a period's entries: what NetSuite holds, what to write, and the
    record of each outcome."""

    def __init__(self, client, profile: AccountProfile, netsuite_period: dict, record, log):
        self.client, self.profile, self.netsuite_period = client, profile, netsuite_period
        self.record, self.log = record, log
        self.outcome = PostingOutcome()

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
            self.record(
                entry.external_id, status=PENDING_APPROVAL, netsuite_id=netsuite_id, verified=True
            )
            self.outcome.pending.append(entry.external_id)
            self.log.warning(
                f"{entry.external_id} {how} as NetSuite journal {netsuite_id}, pending approval "
                "in NetSuite: it posts once approved; a re-run then records it posted."
            )
        elif state == readback.APPROVED:
            self.record(entry.external_id, status=POSTED, netsuite_id=netsuite_id, verified=True)
            self.outcome.posted_now += 1
            self.log.info(f"{entry.external_id} {how} as NetSuite journal {netsuite_id}.")

    def fail(self, entry: JournalEntry, problem: str, netsuite_id: str | None = None) -> None:
        self.outcome.failures.append(f"{entry.external_id}: {problem}")
        self.record(entry.external_id, status=FAILED, netsuite_id=netsuite_id, error=problem)

    def post(self, todo, mapping: AccountMapping, currency_ids: dict[str, str], approved: bool):
        """Each entry: recorded when NetSuite already holds it as planned, else written (upsert
        by external id), read back and verified."""
        send_currency = self.profile.feature("multi_currency") is not False
        # An entry of a OneWorld plan names its subsidiary; otherwise the mapping's one
        # subsidiary is sent as before (never where the account has no OneWorld).
        default_subsidiary = (
            mapping.subsidiary if self.profile.feature("oneworld") is not False else ""
        )
        period_checked = False
        for entry, state in todo:
            netsuite_id = state["netsuite_id"]
            try:
                # Already in NetSuite (an answer lost, a run killed before it recorded, an entry
                # pending approval)? Then record it, even if the period has been closed since.
                held, problems = self.read(entry)
                if held is not None and not problems:
                    self.record_held(entry, held, "was already in NetSuite")
                    continue
                if state["status"] == PENDING_APPROVAL:
                    # It waited for approval and has changed (or gone) since: someone acted on
                    # it in NetSuite. Say so rather than overwrite it.
                    self.fail(
                        entry,
                        "it was pending approval in NetSuite and now "
                        + readback.describe(problems),
                        netsuite_id,
                    )
                    continue
                if not period_checked:
                    closed = closed_problem(self.netsuite_period)
                    if closed:
                        raise PostingRefused(closed)
                    period_checked = True
                if send_currency and entry.currency not in currency_ids:
                    self.fail(entry, f"NetSuite currency {entry.currency} unknown")
                    continue
                body = entry_body(
                    entry,
                    currency_ids.get(entry.currency) if send_currency else None,
                    entry.subsidiary or default_subsidiary,
                    self.netsuite_period["id"],
                    approved=approved,
                )
                netsuite_id = self.client.upsert_journal_entry(entry.external_id, body)
                self.outcome.written += 1
                held, problems = self.read(entry)
                if problems:
                    self.fail(entry, readback.describe(problems), netsuite_id)
                    continue
                self.record_held(entry, held, "posted")
            except NetSuiteError as exc:
                self.fail(entry, str(exc), netsuite_id)

    def remove_superseded(self, superseded, planned_ids: set[str], settle: Settle) -> None:
        """The old plan's entries after a reopen: one the new plan has (same external id) was
        replaced by its upsert; any other still in NetSuite is deleted there."""
        for row in superseded:
            external_id = row["external_id"]
            if external_id in planned_ids:
                settle(row["reopen_id"], external_id, "replaced")
                continue
            try:
                held = self.client.get_journal_entry(f"eid:{external_id}")
                if held is None:
                    settle(row["reopen_id"], external_id, "absent")
                    continue
                closed = closed_problem(self.netsuite_period)
                if closed:
                    raise PostingRefused(closed)
                self.client.delete_journal_entry(str(held["id"]))
            except NetSuiteError as exc:
                self.outcome.failures.append(
                    f"{external_id} (superseded by the reopen) could not be deleted: {exc}"
                )
                continue
            settle(row["reopen_id"], external_id, "deleted")
            self.outcome.deleted.append(external_id)
            self.log.info(
                f"{external_id} deleted in NetSuite (journal {held['id']}): the period's new "
                "plan no longer has it."
            )


def entries_in_netsuite(client, external_ids: Sequence[str]) -> dict[str, str]:
    """External id → NetSuite internal id, for each of these entries NetSuite holds."""
    held = {}
    for external_id in external_ids:
        record = client.get_journal_entry(f"eid:{external_id}")
        if record is not None:
            held[external_id] = str(record["id"])
    return held

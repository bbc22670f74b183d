"""Read-back (SPEC §7): what NetSuite holds for a planned journal entry, as plain data.

`differences` compares the planned entry with NetSuite's record (read with
`expandSubResources=true`) line by line: account, debit, credit, every segment the entry plans
(department, class, location, `cseg_*`), then the totals and the posting period. A workflow or
script that clears a field, or a field NetSuite dropped, shows here naming the line and field.

`approval` tells whether NetSuite holds the entry pending approval. The REST shape is not
confirmed (reference §5.4, §9), so every known form is read: `approvalStatus` as a reference
({"id": "1", "refName": "Pending Approval"}) or a bare id or label, and the `approved`
checkbox as a boolean or 'T'/'F'. When the record shows neither, SuiteQL's
`transaction.approvalstatus` / `status` (Journal:A Pending Approval) / `posting` tells
(`approval_of_row`), approved only on positive evidence.

NetSuite's value forms: amounts as JSON numbers or strings; references as {"id": ...} with the
id a string or a number, or a bare id.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from revrec_pipeline.journals.entries import JournalEntry
from revrec_pipeline.netsuite.profile import (
    APPROVAL_APPROVED,
    APPROVAL_PENDING,
    APPROVAL_REJECTED,
)

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
# transaction.approvalstatus ids and their labels (reference §4.1: 1 / 2 / 3).
APPROVAL_IDS = {APPROVAL_PENDING: PENDING, APPROVAL_APPROVED: APPROVED, APPROVAL_REJECTED: REJECTED}
APPROVAL_LABELS = {"pending approval": PENDING, "approved": APPROVED, "rejected": REJECTED}
# transaction.status letters of a journal: Journal:A Pending Approval, Journal:B Approved.
JOURNAL_STATUS = {"A": PENDING, "B": APPROVED}
# transaction.posting: a journal pending approval is non-posting until approved.
POSTING = {"T": APPROVED, "F": PENDING}
# What SuiteQL tells when the REST record shows neither approval form.
APPROVAL_QUERY = "SELECT approvalstatus, status, posting FROM transaction WHERE id = ?"
SHOWN_PROBLEMS = 10


def ref_id(value) -> str | None:
    """The internal id of a reference in any form NetSuite gives it, or None."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # an id sent back as a JSON number
        text = text[:-2]
    return text or None


def amount(value) -> Decimal | None:
    """An amount as NetSuite shows it (number, string, absent = 0); None when not a number."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(cents_or_amount) -> str:
    value = cents_or_amount if isinstance(cents_or_amount, Decimal) else Decimal(cents_or_amount)
    return f"{value:.2f}"


def held_lines(record: dict) -> list[dict] | None:
    """The `line` sublist's items in line order; None when NetSuite sent only a link."""
    sublist = record.get("line")
    if not isinstance(sublist, dict) or not isinstance(sublist.get("items"), list):
        return None
    items = [item for item in sublist["items"] if isinstance(item, dict)]
    try:  # each line carries its number; keep NetSuite's order when any lacks one
        return sorted(items, key=lambda item: int(str(item["line"])))
    except (KeyError, ValueError):
        return items


def _shown(field: str, value: str | None) -> str:
    return f"no {field}" if value is None else f"{field} {value}"


def differences(
    entry: JournalEntry, record: dict | None, posting_period_id: str | None = None
) -> list[str]:
    """Every way NetSuite's record differs from the planned entry (empty: it matches)."""
    if record is None:
        return ["NetSuite has no entry with this external id"]
    lines = held_lines(record)
    if lines is None:
        return [
            "NetSuite returned its lines as a link only, so they cannot be verified (the "
            "read-back needs expandSubResources=true)"
        ]
    problems: list[str] = []
    if len(lines) != len(entry.lines):
        problems.append(f"NetSuite holds {len(lines)} lines; planned {len(entry.lines)}")
    segment_fields = sorted({name for line in entry.lines for name, _ in line.segments})
    held_debit = held_credit = Decimal(0)
    for number, (planned, held) in enumerate(zip(entry.lines, lines, strict=False), start=1):
        account = ref_id(held.get("account"))
        if account != planned.account_id:
            problems.append(
                f"line {number}: NetSuite holds {_shown('account', account)}; planned account "
                f"{planned.account_id}"
            )
        for side, planned_cents in (
            ("debit", planned.debit_cents),
            ("credit", planned.credit_cents),
        ):
            value = amount(held.get(side))
            if value is None:
                problems.append(
                    f"line {number}: NetSuite holds {side} {held.get(side)!r}, not an amount"
                )
                continue
            if side == "debit":
                held_debit += value
            else:
                held_credit += value
            if value * 100 != planned_cents:
                problems.append(
                    f"line {number}: NetSuite holds {side} {_money(value)}; planned {side} "
                    f"{_money(Decimal(planned_cents) / 100)}"
                )
        planned_segments = dict(planned.segments)
        for name in segment_fields:
            held_value, planned_value = ref_id(held.get(name)), planned_segments.get(name)
            if held_value != planned_value:
                problems.append(
                    f"line {number}: NetSuite holds {_shown(name, held_value)}; planned "
                    f"{_shown(name, planned_value)}"
                )
    for side, held_total, planned_cents in (
        ("debit", held_debit, entry.debit_cents),
        ("credit", held_credit, entry.credit_cents),
    ):
        if held_total * 100 != planned_cents:
            problems.append(
                f"NetSuite's {side} total is {_money(held_total)}; planned "
                f"{_money(Decimal(planned_cents) / 100)}"
            )
    held_period = ref_id(record.get("postingPeriod"))
    if posting_period_id is not None and held_period != str(posting_period_id):
        shown = record.get("postingPeriod")
        label = f" ({shown['refName']})" if isinstance(shown, dict) and shown.get("refName") else ""
        problems.append(
            f"NetSuite put it in {_shown('posting period', held_period)}{label}; planned "
            f"posting period {posting_period_id}"
        )
    return problems


def describe(problems: list[str]) -> str:
    """The problems as one message, the first few of them."""
    shown = problems[:SHOWN_PROBLEMS]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def approval(record: dict, approval_required: bool | None = None) -> str | None:
    """PENDING, APPROVED or REJECTED as the record shows it; None when it shows neither form.

    `approved: false` means pending unless the account is known not to require approval
    (`approval_required` False: the checkbox then says nothing)."""
    status = record.get("approvalStatus")
    if status is not None:
        if isinstance(status, dict):
            found = APPROVAL_IDS.get(ref_id(status) or "") or APPROVAL_LABELS.get(
                str(status.get("refName") or "").strip().lower()
            )
        else:
            text = str(status).strip()
            found = APPROVAL_IDS.get(text) or APPROVAL_LABELS.get(text.lower())
        if found:
            return found
    flag = record.get("approved")
    if isinstance(flag, str):
        flag = {"t": True, "true": True, "f": False, "false": False}.get(flag.strip().lower())
    if flag is True:
        return APPROVED
    if flag is False and approval_required is not False:
        return PENDING
    return None


def approval_of_row(row: dict | None) -> str | None:
    """From SuiteQL's transaction row (APPROVAL_QUERY); None when nothing in it tells.

    APPROVED needs positive evidence (approvalstatus 2, status B or posting 'T') and nothing
    against it: a journal pending approval is non-posting (reference §4.1, §5.4), so
    posting 'F' is pending, and a missing row or unknown values are never taken as approved."""
    if not row:
        return None
    status = str(row.get("status") or "").strip().upper().rsplit(":", 1)[-1]  # B or Journal:B
    signals = {
        APPROVAL_IDS.get(ref_id(row.get("approvalstatus")) or ""),
        JOURNAL_STATUS.get(status),
        POSTING.get(str(row.get("posting") or "").strip().upper()),
    }
    return next((state for state in (REJECTED, PENDING, APPROVED) if state in signals), None)


def unknown_approval(netsuite_id, row: dict | None) -> str:
    """Why an entry whose approval nothing tells is not recorded posted (one sentence). A row
    of empty values comes back as {} (SuiteQL leaves out empty fields)."""
    where = (
        f"SuiteQL has no transaction row for NetSuite journal {netsuite_id}"
        if row is None
        else f"NetSuite journal {netsuite_id} shows no approval state (its record has neither "
        "approvalStatus nor approved, its transaction row no known approvalstatus, status or "
        "posting)"
    )
    return f"{where}, so it is not recorded posted; re-run to read it again"

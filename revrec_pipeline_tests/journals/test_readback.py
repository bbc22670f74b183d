"""Read-back of a journal entry (SPEC §7): every line's account, amounts and segments, the
totals and the posting period, in NetSuite's value forms; and approval in every known form."""

from __future__ import annotations

import copy

import pytest

from revrec_pipeline.journals.entries import JournalEntry, JournalLine
from revrec_pipeline.journals.readback import (
    APPROVED,
    PENDING,
    REJECTED,
    approval,
    approval_of_row,
    describe,
    differences,
    unknown_approval,
)

ENTRY = JournalEntry(
    "revrec-2026-10-revenue-USD-1",
    "2026-10",
    "revenue",
    "USD",
    1,
    (
        JournalLine("58", 204_116, 0, (("department", "1"),)),
        JournalLine("61", 0, 101_918, (("class", "5"), ("cseg_region", "9"), ("department", "1"))),
        JournalLine("62", 0, 102_198, (("class", "7"), ("cseg_region", "9"), ("department", "4"))),
    ),
)


def ref(ident, name=None) -> dict:
    out = {"links": [{"rel": "self", "href": f"https://x/record/v1/r/{ident}"}], "id": ident}
    return {**out, "refName": name} if name else out


def record(**changes) -> dict:
    """NetSuite's record for ENTRY as read with expandSubResources=true."""
    body = {
        "id": "1201",
        "externalId": ENTRY.external_id,
        "postingPeriod": ref("130", "Oct 2026"),
        "line": {
            "links": [{"rel": "self", "href": "https://x/journalEntry/1201/line"}],
            "items": [
                {
                    "line": 0,
                    "account": ref("58", "2400 Deferred Revenue"),
                    "debit": 2041.16,
                    "department": ref("1", "Sales"),
                },
                {
                    "line": 1,
                    "account": ref("61"),
                    "credit": 1019.18,
                    "class": ref("5"),
                    "cseg_region": ref("9"),
                    "department": ref("1"),
                },
                {
                    "line": 2,
                    "account": ref("62"),
                    "credit": 1021.98,
                    "class": ref("7"),
                    "cseg_region": ref("9"),
                    "department": ref("4"),
                },
            ],
            "totalResults": 3,
        },
    }
    body.update(changes)
    return body


def test_a_faithful_record_has_no_differences():
    assert differences(ENTRY, record(), "130") == []


@pytest.mark.parametrize(
    "forms",
    [
        # amounts as strings, ids as numbers, bare ids: all NetSuite's known value forms
        lambda items: [
            {**items[0], "debit": "2041.16", "account": {"id": 58}},
            {**items[1], "credit": "1019.180", "class": "5", "debit": None},
            {**items[2], "credit": 1021.98, "department": {"id": 4.0}},
        ],
        # lines out of order: their `line` numbers put them back
        lambda items: [items[2], items[0], items[1]],
    ],
)
def test_value_forms_are_understood(forms):
    held = record()
    held["line"]["items"] = forms(held["line"]["items"])
    assert differences(ENTRY, held, "130") == []


def test_a_dropped_segment_names_the_line_and_field():
    held = record()
    del held["line"]["items"][2]["class"]
    assert differences(ENTRY, held, "130") == ["line 3: NetSuite holds no class; planned class 7"]


def test_a_changed_or_extra_segment_is_a_difference():
    held = record()
    held["line"]["items"][1]["cseg_region"] = ref("10")
    held["line"]["items"][0]["class"] = ref("3")  # the entry plans class: unplanned one shows
    assert differences(ENTRY, held, "130") == [
        "line 1: NetSuite holds class 3; planned no class",
        "line 2: NetSuite holds cseg_region 10; planned cseg_region 9",
    ]


def test_a_segment_the_entry_never_plans_is_not_checked():
    held = record()
    held["line"]["items"][0]["location"] = ref("3")  # e.g. an account default
    assert differences(ENTRY, held, "130") == []


def test_accounts_amounts_and_totals():
    held = record()
    held["line"]["items"][0]["account"] = ref("54")
    held["line"]["items"][1]["credit"] = 1019.17
    assert differences(ENTRY, held, "130") == [
        "line 1: NetSuite holds account 54; planned account 58",
        "line 2: NetSuite holds credit 1019.17; planned credit 1019.18",
        "NetSuite's credit total is 2041.15; planned 2041.16",
    ]


def test_an_amount_on_the_wrong_side():
    held = record()
    held["line"]["items"][0] = {**held["line"]["items"][0], "debit": None, "credit": 2041.16}
    problems = differences(ENTRY, held, "130")
    assert problems[:2] == [
        "line 1: NetSuite holds debit 0.00; planned debit 2041.16",
        "line 1: NetSuite holds credit 2041.16; planned credit 0.00",
    ]


def test_not_an_amount():
    held = record()
    held["line"]["items"][0]["debit"] = "n/a"
    assert "line 1: NetSuite holds debit 'n/a', not an amount" in differences(ENTRY, held)


def test_missing_lines_and_missing_record():
    held = record()
    del held["line"]["items"][2]
    assert differences(ENTRY, held, "130")[0] == "NetSuite holds 2 lines; planned 3"
    assert differences(ENTRY, None) == ["NetSuite has no entry with this external id"]


def test_lines_as_a_link_only_are_never_taken_for_zero_lines():
    held = record(line={"links": [{"rel": "self", "href": "https://x/journalEntry/1201/line"}]})
    (problem,) = differences(ENTRY, held, "130")
    assert "link only" in problem and "expandSubResources=true" in problem


def test_posting_period():
    assert differences(ENTRY, record(postingPeriod=ref("131", "Nov 2026")), "130") == [
        "NetSuite put it in posting period 131 (Nov 2026); planned posting period 130"
    ]
    assert differences(ENTRY, record(postingPeriod=None), "130") == [
        "NetSuite put it in no posting period; planned posting period 130"
    ]
    assert differences(ENTRY, record(postingPeriod=ref("131")), None) == []  # not asked


def test_describe_keeps_the_message_short():
    assert describe(["a", "b"]) == "a; b"
    assert describe([str(n) for n in range(12)]).endswith("; 9; and 2 more")


@pytest.mark.parametrize(
    ("fields", "required", "state"),
    [
        ({"approvalStatus": {"id": "1", "refName": "Pending Approval"}}, None, PENDING),
        ({"approvalStatus": {"id": 1}}, None, PENDING),
        ({"approvalStatus": {"refName": "Pending Approval"}}, None, PENDING),
        ({"approvalStatus": "1"}, None, PENDING),
        ({"approvalStatus": "Pending Approval"}, None, PENDING),
        ({"approvalStatus": {"id": "2", "refName": "Approved"}}, None, APPROVED),
        ({"approvalStatus": {"id": "3", "refName": "Rejected"}}, None, REJECTED),
        ({"approvalStatus": {"id": "2"}, "approved": False}, None, APPROVED),  # status wins
        ({"approved": False}, None, PENDING),
        ({"approved": False}, True, PENDING),
        ({"approved": "F"}, None, PENDING),
        ({"approved": False}, False, None),  # no approval in the account: says nothing
        ({"approved": True}, None, APPROVED),
        ({"approved": "T"}, None, APPROVED),
        ({}, None, None),
        ({"approvalStatus": {"id": "9"}}, None, None),
    ],
)
def test_approval_in_every_known_form(fields, required, state):
    assert approval({**copy.deepcopy(record()), **fields}, required) == state


@pytest.mark.parametrize(
    ("row", "state"),
    [
        ({"approvalstatus": "1", "status": "A"}, PENDING),
        ({"approvalstatus": "2", "status": "B"}, APPROVED),
        ({"approvalstatus": "3"}, REJECTED),
        ({"status": "A"}, PENDING),
        ({"status": "B"}, APPROVED),
        ({"status": "Journal:A"}, PENDING),
        ({"approvalstatus": 2}, APPROVED),
        # posting is the direct signal: a journal pending approval is non-posting
        ({"approvalstatus": None, "status": None, "posting": "F"}, PENDING),
        ({"approvalstatus": None, "status": None, "posting": "T"}, APPROVED),
        ({"status": "B", "posting": "F"}, PENDING),
        ({"approvalstatus": "2", "posting": "F"}, PENDING),
        ({"approvalstatus": "1", "status": "A", "posting": "T"}, PENDING),
        ({"approvalstatus": "3", "posting": "F"}, REJECTED),
        # nothing positive: never taken as approved
        ({"status": "Z", "posting": None}, None),
        ({"approvalstatus": "9"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_approval_from_suiteql(row, state):
    assert approval_of_row(row) == state


def test_approval_nothing_tells_in_one_sentence():
    assert unknown_approval("812", None) == (
        "SuiteQL has no transaction row for NetSuite journal 812, so it is not recorded "
        "posted; re-run to read it again"
    )
    assert unknown_approval("812", {}) == (
        "NetSuite journal 812 shows no approval state (its record has neither approvalStatus "
        "nor approved, its transaction row no known approvalstatus, status or posting), so it "
        "is not recorded posted; re-run to read it again"
    )

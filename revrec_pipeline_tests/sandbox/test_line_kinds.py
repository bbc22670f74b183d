"""Invoice and credit memo lines as NetSuite has them (reference §9): COGS pairs, Subtotal,
Group/EndGroup, Description, Discount, ShipItem/OthCharge and technical lines; line-only edits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from .conftest import rows

LINES = (
    "SELECT id, item, itemtype, iscogs, donotdisplayline, transactiondiscount, account, "
    "foreignamount, quantity, mainline, taxline FROM transactionline WHERE transaction = ? "
    "ORDER BY id"
)
# SPEC §4's billing-line rule, written out here to check the data against it.
BILLING = (
    "SELECT tl.transaction, SUM(tl.foreignamount) AS amount FROM transactionline tl "
    "WHERE tl.mainline = 'F' AND tl.taxline = 'F' AND tl.iscogs = 'F' AND "
    "tl.donotdisplayline = 'F' AND tl.itemtype NOT IN ('Subtotal', 'Description', 'Group', "
    "'EndGroup') GROUP BY tl.transaction ORDER BY tl.transaction"
)


def lines(sb, key: str) -> list[dict]:
    return rows(sb, LINES, [sb.manifest[key]])


def cents(line: dict) -> int:
    return int(Decimal(line["foreignamount"]) * 100)


def test_cogs_pairs_follow_inventory_lines(sandbox):
    got = lines(sandbox, "invoice_cogs")
    item = sandbox.manifest["inventory_item_id"]
    k = next(i for i, ln in enumerate(got) if ln.get("item") == str(item) and ln["iscogs"] == "F")
    sale, *pair = got[k : k + 3]
    assert cents(sale) < 0 and sale["itemtype"] == "InvtPart"
    assert [ln["iscogs"] for ln in pair] == ["T", "T"]
    assert {ln["itemtype"] for ln in pair} == {"InvtPart"} and "quantity" not in pair[0]
    assert cents(pair[0]) == -cents(pair[1]) != 0  # two lines of opposite sign
    accounts = sandbox.manifest["accounts"]
    assert {int(ln["account"]) for ln in pair} == {
        accounts["cost_of_goods_sold"],
        accounts["inventory_asset"],
    }


def test_subtotal_lines_sum_the_lines_above_since_the_previous_one(sandbox):
    got = lines(sandbox, "invoice_subtotal")
    kinds = [ln.get("itemtype") for ln in got]
    assert kinds.count("Subtotal") == 2
    running = 0
    for ln in got[1:]:
        if ln["itemtype"] == "Subtotal":
            assert cents(ln) == running != 0
            running = 0
        else:
            running += cents(ln)
    first, second = (i for i, k in enumerate(kinds) if k == "Subtotal")
    assert first < second - 1  # an item line between them: the second sums only that one


def test_group_and_endgroup(sandbox):
    got = lines(sandbox, "invoice_group")
    kinds = [ln.get("itemtype") for ln in got]
    start, end = kinds.index("Group"), kinds.index("EndGroup")
    assert "foreignamount" not in got[start]  # a Group line carries no amount
    members = got[start + 1 : end]
    assert [int(ln["item"]) for ln in members] == sandbox.manifest["group_member_item_ids"]
    assert cents(got[end]) == sum(cents(ln) for ln in members)  # the group's total
    assert got[start]["item"] == got[end]["item"] == str(sandbox.manifest["group_item_id"])


def test_description_line_has_no_amount(sandbox):
    (note,) = [
        ln for ln in lines(sandbox, "invoice_description") if ln.get("itemtype") == "Description"
    ]
    assert "foreignamount" not in note and "quantity" not in note


def test_discounts_reduce_billing_with_their_own_sign(sandbox):
    discount_item = str(sandbox.manifest["discount_item_id"])
    line = [ln for ln in lines(sandbox, "invoice_discount") if ln.get("item") == discount_item]
    assert len(line) == 1 and cents(line[0]) > 0 and line[0]["transactiondiscount"] == "F"
    header = [
        ln for ln in lines(sandbox, "invoice_header_discount") if ln.get("itemtype") == "Discount"
    ]
    assert len(header) == 1 and cents(header[0]) > 0 and header[0]["transactiondiscount"] == "T"
    memo = [
        ln for ln in lines(sandbox, "credit_memo_structural") if ln.get("itemtype") == "Discount"
    ]
    assert memo and all(cents(ln) < 0 for ln in memo)  # the mirror on a credit memo
    assert {ln["transactiondiscount"] for ln in memo} == {"T", "F"}


def test_shipping_and_other_charges_carry_real_amounts(sandbox):
    got = {ln["itemtype"]: ln for ln in lines(sandbox, "invoice_shipping") if ln["mainline"] == "F"}
    assert cents(got["ShipItem"]) == -2 * 25_00  # two at the list rate, as the spec says
    assert cents(got["OthCharge"]) < 0
    assert got["ShipItem"]["account"] == str(sandbox.manifest["accounts"]["shipping_income"])


def test_technical_lines_are_never_shown_and_net_to_zero(sandbox):
    hidden = [ln for ln in lines(sandbox, "invoice_technical") if ln["donotdisplayline"] == "T"]
    assert len(hidden) == 2 and sum(cents(ln) for ln in hidden) == 0 and cents(hidden[0])


def test_every_line_has_its_flags_and_itemtype(sandbox):
    (missing,) = rows(
        sandbox,
        "SELECT COUNT(uniquekey) AS n FROM transactionline WHERE iscogs IS NULL OR "
        "donotdisplayline IS NULL OR transactiondiscount IS NULL OR linelastmodifieddate IS NULL "
        "OR (mainline = 'F' AND itemtype IS NULL)",
    )
    assert missing["n"] == "0"
    every = rows(sandbox, "SELECT DISTINCT itemtype FROM transactionline WHERE mainline = 'F'")
    assert {r["itemtype"] for r in every} >= {
        "InvtPart", "NonInvtPart", "Service", "OthCharge", "Discount", "ShipItem", "Subtotal",
        "Group", "EndGroup", "Description", "TaxGroup",
    }  # fmt: skip
    (flags,) = rows(
        sandbox,
        "SELECT SUM(CASE WHEN iscogs = 'T' THEN 1 ELSE 0 END) AS cogs, SUM(CASE WHEN "
        "donotdisplayline = 'T' THEN 1 ELSE 0 END) AS hidden, SUM(CASE WHEN "
        "transactiondiscount = 'T' THEN 1 ELSE 0 END) AS header FROM transactionline "
        "WHERE transaction > ?",
        [max(v for k, v in sandbox.manifest.items() if k.startswith(("invoice_", "credit_")))],
    )
    assert all(int(v) > 0 for k, v in flags.items() if k != "links")  # in the bulk data too


@pytest.mark.parametrize("key", ["invoice_all_line_kinds", "credit_memo_structural"])
def test_every_kind_together_still_balances(sandbox, key):
    got = lines(sandbox, key)
    needed = {"Subtotal", "Discount", "Description", "InvtPart"}
    if key.startswith("invoice"):
        needed |= {"EndGroup", "ShipItem", "Group"}
    assert needed <= {ln.get("itemtype") for ln in got}
    posting = [ln for ln in got if ln.get("itemtype") not in ("Subtotal", "EndGroup")]
    assert sum(cents(ln) for ln in posting if "foreignamount" in ln) == 0


def test_billed_cents_are_what_the_billing_lines_add_up_to(sandbox):
    billed = {
        int(r["transaction"]): -cents({"foreignamount": r["amount"]})
        for r in rows(sandbox, BILLING)
    }
    expected = sandbox.manifest["billed_cents"]
    assert set(expected) >= {"invoice_all_line_kinds", "credit_memo_structural", "invoice_open"}
    for key, amount in expected.items():
        assert billed[sandbox.manifest[key]] == amount, key
    # Counting Subtotal and EndGroup lines as billing would double-count:
    everything = rows(
        sandbox,
        "SELECT SUM(foreignamount) AS s FROM transactionline WHERE transaction = ? "
        "AND mainline = 'F' AND taxline = 'F'",
        [sandbox.manifest["invoice_all_line_kinds"]],
    )
    assert -cents({"foreignamount": everything[0]["s"]}) > expected["invoice_all_line_kinds"]


def test_a_line_changed_after_its_header(sandbox):
    edit = sandbox.manifest["line_only_edit"]
    (got,) = rows(
        sandbox,
        "SELECT TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS h, "
        "TO_CHAR(tl.linelastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS l FROM transaction t "
        "JOIN transactionline tl ON tl.transaction = t.id WHERE t.id = ? AND tl.id = ?",
        [edit["transaction"], edit["line"]],
    )
    assert (got["h"], got["l"]) == (edit["lastmodifieddate"], edit["linelastmodifieddate"])
    assert got["l"] > got["h"]
    (bulk,) = rows(
        sandbox,
        "SELECT COUNT(DISTINCT t.id) AS n FROM transaction t JOIN transactionline tl "
        "ON tl.transaction = t.id WHERE tl.linelastmodifieddate > t.lastmodifieddate AND t.id <> ?",
        [edit["transaction"]],
    )
    assert int(bulk["n"]) > 0  # the bulk data has line-only edits as well


def test_update_line_without_touching_the_header(sandbox):
    invoice = sandbox.manifest["invoice_open"]
    query = (
        "SELECT TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS h, "
        "TO_CHAR(tl.linelastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS l, tl.memo FROM "
        "transaction t JOIN transactionline tl ON tl.transaction = t.id WHERE t.id = ? AND tl.id = 1"
    )
    (before,) = rows(sandbox, query, [invoice])
    stamp = datetime(2026, 11, 25, 8, 30)
    sandbox.update_line(invoice, 1, modified_at=stamp, touch_header=False, memo="renamed")
    (after,) = rows(sandbox, query, [invoice])
    assert after == {**before, "l": "2026-11-25 08:30:00", "memo": "renamed"}
    sandbox.update_line(invoice, 1, modified_at=stamp)  # the default moves the header too
    assert rows(sandbox, query, [invoice])[0]["h"] == "2026-11-25 08:30:00"

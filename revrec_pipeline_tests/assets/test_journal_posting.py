"""Journal posting end to end on the sandbox, and the period-close sensor (SPEC §7, §8)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.netsuite.profile import FEATURE_COLUMNS, AccountProfile
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.journals import postings, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline.store.profile import save_profile
from revrec_pipeline_tests.pipeline_helpers import (
    bill_100_more_on_an_october_invoice,
    check_evaluations,
    post,
    sandbox_mapping_csv,
    sync,
)


def go_live_and_close(sb, store, instance, *, mapping_without: str | None = None) -> None:
    set_go_live(store, "2026-10")
    sync(instance)
    replace_mapping(
        store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest, without=mapping_without))
    )
    close_period(store, "2026-10")


def sandbox_entries(sb, prefix: str) -> dict[str, dict]:
    return {
        e["externalId"]: e
        for e in sb.journal_entries()
        if str(e.get("externalId", "")).startswith(prefix)
    }


def cents(value) -> int:
    return int(Decimal(str(value or 0)) * 100)


def test_posting_is_exactly_once_through_failures(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    # NetSuite refuses one entry outright, and saves another but loses every answer to it
    # (three attempts: a 500 is retried at most twice).
    refused, lost = "revrec-2026-10-revenue-S1-GBP-1", "revrec-2026-10-billing-S1-USD-1"
    sb.fail_journal(refused, status=400, times=1)
    sb.fail_journal(lost, status=500, times=3, after_commit=True)
    first = post(instance, "2026-10")
    assert not first.success
    states = {p["external_id"]: p["status"] for p in postings(store, "2026-10")}
    assert {refused, lost} <= set(states)
    summary = first.summary()
    assert (
        f"posted_journals: 2 of {len(states)} journal entries for 2026-10 were not posted; "
        "re-run to post the rest (nothing is duplicated): " in summary
    )
    assert f"{refused}: NetSuite answered 400" in summary and f"{lost}: " in summary
    assert states[refused] == states[lost] == "failed"
    assert list(states.values()).count("posted") == len(states) - 2
    assert len([e for e in sb.journal_entries() if e.get("externalId") == lost]) == 1

    second = post(instance, "2026-10")
    assert second.success, second.summary()
    assert second.materializations["posted_journals"]["posted_now"] == 2

    held = sandbox_entries(sb, "revrec-2026-10-")
    assert sorted(held) == sorted(states)  # every entry exactly once, the lost answer too
    for entry in held.values():
        lines = entry["line"]["items"]
        assert sum(cents(i.get("debit")) for i in lines) == sum(
            cents(i.get("credit")) for i in lines
        )
        assert entry["tranDate"] == "2026-10-31"
    stored = {p["external_id"]: p for p in postings(store, "2026-10")}
    assert all(
        p["status"] == "posted" and p["verified"] and p["netsuite_id"] for p in stored.values()
    )
    assert {str(e["id"]) for e in held.values()} == {p["netsuite_id"] for p in stored.values()}

    # Accounts and segments as mapped; the revenue override for Premium Support.
    accounts = dataset.manifest["accounts"]
    revenue = held["revrec-2026-10-revenue-S1-USD-1"]["line"]["items"]
    by_account = {str(i["account"]["id"]): i for i in revenue}
    assert set(by_account) == {
        str(accounts["deferred_revenue"]),
        str(accounts["revenue"]),
        str(accounts["services_revenue"]),
    }
    assert by_account[str(accounts["revenue"])]["department"]["id"] == "1"
    assert by_account[str(accounts["revenue"])]["location"]["id"] == "3"
    assert by_account[str(accounts["services_revenue"])]["department"]["id"] == "2"

    # Posting again changes nothing in NetSuite.
    before = sb.journal_entries()
    third = post(instance, "2026-10")
    assert third.success and third.materializations["posted_journals"]["posted_now"] == 0
    assert sb.journal_entries() == before


def test_catch_up_of_a_closed_period_lands_in_the_next(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    october = sandbox_entries(sb, "revrec-2026-10-")

    # Edit an October USD invoice after October closed: +100.00 billed.
    bill_100_more_on_an_october_invoice(sb, dataset.manifest)
    sync(instance)
    close_period(store, "2026-11")
    november = post(instance, "2026-11")
    assert november.success, november.summary()

    assert sandbox_entries(sb, "revrec-2026-10-") == october  # closed period untouched
    billing = sandbox_entries(sb, "revrec-2026-11-billing-S1-USD-")
    lines = billing["revrec-2026-11-billing-S1-USD-1"]["line"]["items"]
    contra = str(dataset.manifest["accounts"]["contra_revenue"])
    # No November invoices exist: November's billing is exactly October's +100.00 catch-up.
    assert [
        (str(i["account"]["id"]), cents(i.get("debit")), cents(i.get("credit")))
        for i in lines
        if str(i["account"]["id"]) == contra
    ] == [(contra, 10000, 0)]


def test_unmapped_account_type_refused_before_any_netsuite_call(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance, mapping_without="unbilled_receivable")
    sb.reset_stats()
    result = post(instance, "2026-10")
    assert not result.success
    check = check_evaluations(instance, result.run_id)["every_account_mapped"]
    assert not check.passed
    assert "account type unbilled_receivable is not mapped" in check.description
    assert sb.stats.requests == 0
    assert postings(store, "2026-10") == []  # nothing planned, so a fixed mapping plans afresh


def test_closed_netsuite_period_refused_before_posting(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    sb.set_period_closed("2026-10", closed=True)
    result = post(instance, "2026-10")
    assert not result.success
    assert "NetSuite period Oct 2026 is closed or locked" in result.summary()
    assert sb.journal_entries() == []  # nothing written
    assert {p["status"] for p in postings(store, "2026-10")} == {"planned"}


def test_entries_already_in_netsuite_are_recorded_even_after_the_period_closed(flow):
    """NetSuite accepted the entries but the run died before recording them; finance then
    closed the period. The re-run finds them by external id and records them, writing none."""
    from sqlalchemy import update

    from revrec_pipeline.store import schema

    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    held = sb.journal_entries()
    with store.write() as conn:
        conn.execute(update(schema.journal_posting).values(status="planned", netsuite_id=None))
    sb.set_period_closed("2026-10", closed=True)
    result = post(instance, "2026-10")
    assert result.success, result.summary()
    assert sb.journal_entries() == held
    stored = postings(store, "2026-10")
    assert {p["status"] for p in stored} == {"posted"}
    assert {p["netsuite_id"] for p in stored} == {str(e["id"]) for e in held}


def test_a_period_with_nothing_to_post_does_not_block_the_next(store):
    """A quiet month plans zero entries; the next period still posts, re-runs stay clean."""
    from revrec_pipeline.assets.journals import journal_entries

    set_go_live(store, "2026-10")
    replace_mapping(
        store,
        parse_mapping_csv(
            "account_type,netsuite_account_id,product_code\ncontra_revenue,63,\n"
            "deferred_revenue,58,\nrevenue,61,\nunbilled_receivable,54,\n"
        ),
    )
    close_period(store, "2026-10")
    close_period(store, "2026-11")
    resources = {
        "store": StoreResource(database_url=store.database_url),
        "netsuite": NetSuiteResource(account_id="1234567_SB1"),  # planning makes no request
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("accounting_period", ["2026-10", "2026-11"])
        for period in ("2026-10", "2026-10", "2026-11"):
            result = dg.materialize(
                [journal_entries],
                resources=resources,
                instance=instance,
                partition_key=period,
                raise_on_error=False,
            )
            assert result.success, period
            meta = result.get_asset_materialization_events()[0]
            assert meta.event_specific_data.materialization.metadata["entries"].value == 0


# -- real-NetSuite fidelity (issue 9): features, approval, read-back, fiscal calendars --------


def mapping_with(manifest, segments: tuple[str, ...]) -> str:
    """The sandbox mapping with only these segment columns (none: no segments at all)."""
    rows = list(csv.DictReader(io.StringIO(sandbox_mapping_csv(manifest))))
    columns = ["account_type", "netsuite_account_id", "product_code", *segments, "subsidiary"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def store_profile(store, sb, *off: str) -> AccountProfile:
    """What `revrec connect` stores after profiling an account with these features off."""
    full = AccountProfile.everything(sb.config.account_id)
    gone = {f"{t}.{c}" for name in off for t, c in FEATURE_COLUMNS.get(name, ())}
    profile = replace(
        full,
        features={**full.features, **dict.fromkeys(off, False)},
        columns=tuple(c for c in full.columns if c not in gone),
    )
    save_profile(store, profile)
    return profile


def statuses(store, period: str = "2026-10") -> dict[str, str]:
    return {p["external_id"]: p["status"] for p in postings(store, period)}


def posted_meta(result) -> dict:
    return result.materializations["posted_journals"]


def test_round_trip_without_departments_classes_and_locations(flow):
    """An account without the three features: a mapping without segments posts, sends none of
    their fields, verifies, and posting again writes nothing."""
    sb, _dataset, store, instance, _home = flow
    for feature in ("departments", "classes", "locations"):
        setattr(sb.config, feature, False)
    set_go_live(store, "2026-10")
    sync(instance)
    store_profile(store, sb, "departments", "classes", "locations")
    replace_mapping(store, parse_mapping_csv(mapping_with(sb.manifest, ())))
    close_period(store, "2026-10")

    first = post(instance, "2026-10")
    assert first.success, first.summary()
    held = sandbox_entries(sb, "revrec-2026-10-")
    assert held and set(statuses(store).values()) == {"posted"}
    assert posted_meta(first)["posted"] == len(held) == posted_meta(first)["written_now"]
    for entry in held.values():
        for line in entry["line"]["items"]:
            assert not {"department", "class", "location"} & set(line)

    before = sb.journal_entries()
    again = post(instance, "2026-10")
    assert again.success and posted_meta(again)["posted_now"] == 0
    assert posted_meta(again)["written_now"] == 0 and sb.journal_entries() == before


def test_a_mapping_naming_a_disabled_segment_is_refused_before_any_request(flow):
    """Classes off: refused in one sentence naming the column and the feature, before any
    NetSuite request and before anything is planned; the fixed mapping then posts."""
    sb, _dataset, store, instance, _home = flow
    sb.config.classes = False
    set_go_live(store, "2026-10")
    sync(instance)
    store_profile(store, sb, "classes")
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, "2026-10")
    sb.reset_stats()

    refused = post(instance, "2026-10")
    assert not refused.success
    assert (
        "The journal mapping sets class on 3 rows, but the NetSuite account does not have the "
        "Classes feature; remove the class column or enable Classes." in refused.summary()
    )
    assert sb.stats.requests == 0 and postings(store, "2026-10") == []

    replace_mapping(store, parse_mapping_csv(mapping_with(sb.manifest, ("department", "location"))))
    fixed = post(instance, "2026-10")
    assert fixed.success, fixed.summary()
    lines = [
        ln for e in sandbox_entries(sb, "revrec-2026-10-").values() for ln in e["line"]["items"]
    ]
    assert not any("class" in ln for ln in lines) and any("department" in ln for ln in lines)


def test_a_disabled_segment_found_at_posting_time_is_refused_before_any_journal_request(flow):
    """Planned before the account was profiled; posting profiles it (or reads the profile
    `revrec connect` stored since) and refuses before reading or writing any entry."""
    from sqlalchemy import delete

    from revrec_pipeline.assets.journals import journal_entries
    from revrec_pipeline.store import schema

    sb, _dataset, store, instance, _home = flow
    sb.config.classes = False
    go_live_and_close(sb, store, instance)
    with store.write() as conn:  # not profiled yet (a sync may have profiled it: forget that)
        conn.execute(delete(schema.netsuite_account_profile))
    instance.add_dynamic_partitions("accounting_period", ["2026-10"])
    planned = dg.materialize(
        [journal_entries],
        resources={
            "store": StoreResource(database_url=store.database_url),
            "netsuite": NetSuiteResource(account_id=sb.config.account_id),
        },
        instance=instance,
        partition_key="2026-10",
    )
    assert planned.success
    store_profile(store, sb, "classes")
    sb.reset_stats()
    refused = post(instance, "2026-10")
    assert not refused.success
    assert "does not have the Classes feature; remove the class column" in refused.summary()
    assert sb.stats.journal_requests == 0
    assert set(statuses(store).values()) == {"planned"}


def test_a_segment_netsuite_dropped_fails_the_entry_naming_the_field(flow):
    """A workflow clears `class` on save: the read-back names the line and the field, the
    entries are failed, and once NetSuite keeps the field a re-run posts them."""
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    sb.drop_journal_field("class")
    failed = post(instance, "2026-10")
    assert not failed.success
    stored = {p["external_id"]: p for p in postings(store, "2026-10")}
    revenue = stored["revrec-2026-10-revenue-S1-USD-1"]
    assert revenue["status"] == "failed"
    assert re.search(r"line \d+: NetSuite holds no class; planned class 2", revenue["error"])
    assert "revrec-2026-10-revenue-S1-USD-1: line " in failed.summary()
    assert "NetSuite holds no class; planned class" in failed.summary()
    # Entries whose lines carry no class verify and post.
    assert "posted" in {p["status"] for p in stored.values()}

    sb.drop_journal_field()
    fixed = post(instance, "2026-10")
    assert fixed.success, fixed.summary()
    assert set(statuses(store).values()) == {"posted"}
    lines = sandbox_entries(sb, "revrec-2026-10-revenue-S1-USD-")["revrec-2026-10-revenue-S1-USD-1"]
    assert {ln["class"]["id"] for ln in lines["line"]["items"] if "class" in ln} == {"2"}


def test_journal_approval_required_entries_are_pending_until_approved(flow, capsys):
    """Entries NetSuite holds for approval are recorded and reported pending approval, never
    posted; once approved in NetSuite a re-run records them posted without writing again."""
    from revrec_pipeline.cli import main

    sb, _dataset, store, instance, _home = flow
    sb.config.journal_approval = True
    go_live_and_close(sb, store, instance)

    assert main(["journals", "post", "2026-10"]) == 0
    out = capsys.readouterr().out
    held = sandbox_entries(sb, "revrec-2026-10-")
    count = len(held)
    assert f"0 of {count} entries for 2026-10 are posted in NetSuite" in out
    assert f"{count} entries are in NetSuite pending approval (revrec-2026-10-" in out
    assert set(statuses(store).values()) == {"pending_approval"}
    stored = postings(store, "2026-10")
    assert all(p["verified"] and p["netsuite_id"] for p in stored)
    assert {p["netsuite_id"] for p in stored} == {e["id"] for e in held.values()}
    assert {e["approvalStatus"]["refName"] for e in held.values()} == {"Pending Approval"}

    assert main(["status"]) == 0
    assert f"  2026-10: {count} pending approval" in capsys.readouterr().out

    # Still pending: the re-run reads them, records nothing new and writes nothing.
    before = sb.journal_entries()
    sb.reset_stats()
    waiting = post(instance, "2026-10")
    assert waiting.success, waiting.summary()
    meta = posted_meta(waiting)
    assert (meta["posted"], meta["pending_approval"], meta["written_now"]) == (0, count, 0)
    assert sorted(meta["pending_approval_ids"]) == sorted(held)
    assert sb.journal_entries() == before

    # An approver approves all but one in NetSuite.
    last = sorted(held)[-1]
    for external_id in sorted(held)[:-1]:
        sb.approve_journal(f"eid:{external_id}")
    partly = post(instance, "2026-10")
    assert partly.success
    assert (posted_meta(partly)["posted"], posted_meta(partly)["pending_approval"]) == (
        count - 1,
        1,
    )
    assert posted_meta(partly)["written_now"] == 0
    assert statuses(store)[last] == "pending_approval"
    sb.approve_journal(f"eid:{last}")
    done = post(instance, "2026-10")
    assert done.success and posted_meta(done)["posted"] == count
    assert posted_meta(done)["posted_now"] == 1 and posted_meta(done)["written_now"] == 0
    assert [e["line"] for e in sb.journal_entries()] == [e["line"] for e in before]
    assert main(["status"]) == 0
    assert f"  2026-10: {count} posted" in capsys.readouterr().out


def test_journal_approved_opt_in_posts_approved(flow, monkeypatch):
    sb, _dataset, store, instance, _home = flow
    sb.config.journal_approval = True
    monkeypatch.setenv("NETSUITE_JOURNAL_APPROVED", "true")
    go_live_and_close(sb, store, instance)
    result = post(instance, "2026-10")
    assert result.success, result.summary()
    held = sandbox_entries(sb, "revrec-2026-10-")
    assert {e["approvalStatus"]["id"] for e in held.values()} == {"2"}
    assert all(e["approved"] is True for e in held.values())
    assert set(statuses(store).values()) == {"posted"}
    assert posted_meta(result)["pending_approval"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("form", ["status", "approved", "none"])
def test_pending_approval_is_read_in_every_form(flow, form):
    """NetSuite's REST shape for approval is unconfirmed: only `approvalStatus`, only the
    `approved` checkbox, or neither (then SuiteQL's transaction row tells)."""
    sb, _dataset, store, instance, _home = flow
    sb.config.journal_approval = True
    sb.set_journal_approval_form(form)
    go_live_and_close(sb, store, instance)
    first = post(instance, "2026-10")
    assert first.success, first.summary()
    assert set(statuses(store).values()) == {"pending_approval"}
    for external_id in sandbox_entries(sb, "revrec-2026-10-"):
        sb.approve_journal(f"eid:{external_id}")
    second = post(instance, "2026-10")
    assert second.success and posted_meta(second)["written_now"] == 0
    assert set(statuses(store).values()) == {"posted"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_posting_tells_approval_and_nothing_telling_is_never_posted(flow):
    """The record hides approval and SuiteQL's transaction row has no approvalstatus or
    status: posting 'F' is pending, posting 'T' posted, and a row telling nothing fails the
    entry rather than recording it posted."""
    sb, _dataset, store, instance, _home = flow
    sb.config.journal_approval = True
    sb.set_journal_approval_form("none")
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    silent, *waiting = sorted(sandbox_entries(sb, "revrec-2026-10-"))
    sb.execute(
        "UPDATE \"transaction\" SET approvalstatus = NULL, status = NULL WHERE type = 'Journal'"
    )
    assert {
        r["posting"]
        for r in sb.execute("SELECT posting FROM \"transaction\" WHERE type = 'Journal'")
    } == {"F"}
    sb.execute('UPDATE "transaction" SET posting = NULL WHERE externalid = ?', (silent,))

    result = post(instance, "2026-10")
    assert not result.success
    netsuite_id = sandbox_entries(sb, "revrec-2026-10-")[silent]["id"]
    assert (
        f"{silent}: NetSuite journal {netsuite_id} shows no approval state (its record has "
        "neither approvalStatus nor approved, its transaction row no known approvalstatus, "
        "status or posting), so it is not recorded posted; re-run to read it again"
        in result.summary()
    )
    states = statuses(store)
    assert states[silent] == "failed"
    assert {states[w] for w in waiting} == {"pending_approval"}

    # Approved in NetSuite: the journals post, and posting 'T' alone says so.
    sb.execute("UPDATE \"transaction\" SET posting = 'T' WHERE type = 'Journal'")
    done = post(instance, "2026-10")
    assert done.success, done.summary()
    assert set(statuses(store).values()) == {"posted"}
    assert posted_meta(done)["written_now"] == 0


def four_four_five(sb, year: int = 2026) -> None:
    """Reshape the sandbox's months of `year` into a 4-4-5 calendar (weeks from 1 January)."""
    start = date(year, 1, 1)
    for month, weeks in enumerate([4, 4, 5] * 4, start=1):
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        if month == 12:
            end = date(year, 12, 31)
        sb.execute(
            "UPDATE accountingperiod SET startdate = ?, enddate = ? WHERE periodname = ?",
            (f"{start} 00:00:00", f"{end} 00:00:00", date(year, month, 1).strftime("%b %Y")),
        )
        start = end + timedelta(days=1)


def test_a_non_calendar_fiscal_calendar_is_refused_before_any_journal_request(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    four_four_five(sb)
    sb.reset_stats()
    result = post(instance, "2026-10")
    assert not result.success
    assert (
        "NetSuite's posting period Nov 2026 runs from 2026-10-29 to 2026-11-25, not the "
        "calendar month 2026-10: the account uses a non-calendar fiscal calendar (4-4-5 or "
        "similar), which journal posting does not support yet." in result.summary()
    )
    assert sb.stats.journal_requests == 0 and sb.journal_entries() == []
    assert set(statuses(store).values()) == {"planned"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_fields_of_features_that_are_off_are_never_sent(flow):
    """Without OneWorld the mapping's subsidiary is not sent (the sandbox, validating field
    names, would refuse it); without Multiple Currencies entries in several currencies are
    refused before any journal request."""
    sb, _dataset, store, instance, _home = flow
    sb.config.oneworld = False
    set_go_live(store, "2026-10")
    sync(instance)
    store_profile(store, sb, "oneworld")
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))  # subsidiary
    close_period(store, "2026-10")
    result = post(instance, "2026-10")
    assert result.success, result.summary()
    held = sandbox_entries(sb, "revrec-2026-10-")
    assert held and not any("subsidiary" in e for e in held.values())
    assert set(statuses(store).values()) == {"posted"}

    sb.config.multi_currency = False
    store_profile(store, sb, "oneworld", "multi_currency")
    close_period(store, "2026-11")
    sb.reset_stats()
    refused = post(instance, "2026-11")
    assert not refused.success
    assert re.search(
        r"The journal entries for 2026-11 are in [A-Z, ]+ and [A-Z]{3}, but the NetSuite account "
        r"does not have the Multiple Currencies feature, so it would book every one in its base "
        r"currency; nothing was posted\.",
        refused.summary(),
    )
    assert sb.stats.journal_requests == 0


def set_currencies(store, **symbols: int) -> None:
    """The store's NetSuite currency list, as the sync of such an account fills it."""
    with store.write() as conn:
        conn.execute(schema.netsuite_currency.delete())
        if symbols:
            conn.execute(
                schema.netsuite_currency.insert(),
                [{"id": i, "symbol": s} for s, i in symbols.items()],
            )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_entries_in_a_currency_the_one_currency_account_lacks_are_refused(flow):
    """Without Multiple Currencies no currency is sent, so NetSuite books each entry in the
    account's one currency: entries all in EUR in a USD account are refused before any
    journal request, as is an account whose one currency the store cannot tell."""
    sb, _dataset, store, instance, _home = flow
    set_go_live(store, "2026-10")
    sync(instance)
    with store.write() as conn:  # the contracts and their billing are in EUR
        conn.execute(schema.crm_sales_order_line.update().values(currency="EUR"))
        conn.execute(schema.billing_schedule_line.update().values(currency="EUR"))
    sb.config.multi_currency = False
    store_profile(store, sb, "multi_currency")
    set_currencies(store, USD=1)
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, "2026-10")
    sb.reset_stats()

    refused = post(instance, "2026-10")
    assert not refused.success
    assert (
        "The journal entries for 2026-10 are in EUR, but the NetSuite account does not have the "
        "Multiple Currencies feature and its only currency is USD, so it would book them as USD "
        "amounts; nothing was posted." in refused.summary()
    )
    planned = statuses(store)
    assert planned and all(e.split("-")[-2] == "EUR" for e in planned)
    assert set(planned.values()) == {"planned"}
    assert sb.stats.journal_requests == 0 and sb.journal_entries() == []

    set_currencies(store)
    unknown = post(instance, "2026-10")
    assert not unknown.success
    assert (
        "The journal entries for 2026-10 are in EUR and the NetSuite account does not have the "
        "Multiple Currencies feature, but the store has not read its currency from NetSuite "
        "yet; run `revrec sync` to read it, then post again; nothing was posted."
        in unknown.summary()
    )
    assert sb.stats.journal_requests == 0

    # An account whose one currency is EUR: posted, without the currency field (the
    # sandbox, validating field names, would refuse it).
    set_currencies(store, EUR=1)
    posted = post(instance, "2026-10")
    assert posted.success, posted.summary()
    assert set(statuses(store).values()) == {"posted"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_pending_entry_rejected_or_deleted_in_netsuite_is_reported_not_rewritten(flow):
    sb, _dataset, store, instance, _home = flow
    sb.config.journal_approval = True
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    rejected, deleted, *waiting = sorted(sandbox_entries(sb, "revrec-2026-10-"))
    sb.execute('UPDATE "transaction" SET approvalstatus = 3 WHERE externalid = ?', (rejected,))
    assert sb.delete_journal(f"eid:{deleted}")

    result = post(instance, "2026-10")
    assert not result.success
    assert f"{rejected}: an approver rejected it in NetSuite (journal " in result.summary()
    assert (
        f"{deleted}: it was pending approval in NetSuite and now NetSuite has no entry with "
        "this external id" in result.summary()
    )
    assert deleted not in sandbox_entries(sb, "revrec-2026-10-")  # not written back
    states = statuses(store)
    assert (states[rejected], states[deleted]) == ("failed", "failed")
    assert {states[w] for w in waiting} == {"pending_approval"}

    # A re-run writes the deleted one again (it waits for approval); the rejected one stays
    # for someone to act on in NetSuite.
    again = post(instance, "2026-10")
    assert not again.success and "posted_journals" not in again.materializations
    assert deleted in sandbox_entries(sb, "revrec-2026-10-")
    assert statuses(store)[deleted] == "pending_approval"
    assert statuses(store)[rejected] == "failed"

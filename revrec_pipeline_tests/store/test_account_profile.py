"""The stored NetSuite account profile on both store backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.store.db import utcnow
from revrec_pipeline.store.profile import list_profiles, read_profile, save_profile


def test_saved_profile_reads_back_equal_and_is_replaced(store):
    now = utcnow().replace(microsecond=0)
    profile = replace(
        AccountProfile.everything("1234567_SB1"),
        deleted_record_forms=("recordtypeid=invoice", "type=Credit Memo"),
        calendar_months=True,
        discovered_at=now,
    )
    assert read_profile(store, "1234567_SB1") is None
    save_profile(store, profile)
    assert read_profile(store, "1234567_SB1") == profile
    without_class = replace(
        profile,
        features={**profile.features, "classes": False},
        columns=tuple(c for c in profile.columns if c != "transactionline.class"),
    )
    save_profile(store, without_class)
    assert read_profile(store, "1234567_SB1") == without_class
    assert list_profiles(store) == [without_class]
    assert read_profile(store, "7654321") is None


def test_only_a_profile_younger_than_a_day_is_fresh(store):
    profile = replace(AccountProfile.everything("1234567"), discovered_at=utcnow())
    save_profile(store, profile)
    assert read_profile(store, "1234567") == profile
    assert read_profile(store, "1234567").is_fresh(utcnow())
    save_profile(store, replace(profile, discovered_at=utcnow() - timedelta(hours=24, minutes=1)))
    assert not read_profile(store, "1234567").is_fresh(utcnow())
    assert read_profile(store, "other") is None

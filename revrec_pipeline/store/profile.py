"""The stored NetSuite account profile (what `revrec connect` or a sync discovered)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from revrec_pipeline.netsuite.profile import PROFILE_MAX_AGE, AccountProfile, discover_profile
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, upsert, utcnow


def save_profile(store: RevRecStore, profile: AccountProfile) -> None:
    """Store (or replace) the account's profile; two streams saving at once both succeed."""
    with store.write() as conn:
        upsert(
            conn,
            schema.netsuite_account_profile,
            [
                {
                    "account_id": profile.account_id,
                    "profile": profile.to_json(),
                    "discovered_at": profile.discovered_at or utcnow(),
                }
            ],
        )


def read_profile(store: RevRecStore, account_id: str) -> AccountProfile | None:
    table = schema.netsuite_account_profile
    with store.read() as conn:
        text = conn.execute(
            select(table.c.profile).where(table.c.account_id == account_id)
        ).scalar()
    return AccountProfile.from_json(text) if text else None


def current_profile(
    store: RevRecStore, client, max_age: timedelta | None = PROFILE_MAX_AGE
) -> AccountProfile:
    """The client's account profile: the stored one while younger than `max_age` (any age
    when None); otherwise discovered again, the stale one settling probes that keep
    answering 500, and stored."""
    stored = read_profile(store, client.account_id)
    if stored is not None and (max_age is None or stored.is_fresh(utcnow(), max_age)):
        return stored
    profile = discover_profile(client, client.account_id, previous=stored)
    save_profile(store, profile)
    return profile


def list_profiles(store: RevRecStore) -> list[AccountProfile]:
    table = schema.netsuite_account_profile
    with store.read() as conn:
        rows = conn.execute(select(table.c.profile).order_by(table.c.account_id))
        return [AccountProfile.from_json(row.profile) for row in rows]

"""The stored NetSuite account profile (what `revrec connect` or a sync discovered)."""

from __future__ import annotations

from sqlalchemy import select

from revrec_pipeline.netsuite.profile import AccountProfile
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


def fresh_profile(store: RevRecStore, account_id: str) -> AccountProfile | None:
    """The stored profile while it is fresh enough for a sync (AccountProfile.is_fresh)."""
    profile = read_profile(store, account_id)
    return profile if profile is not None and profile.is_fresh(utcnow()) else None


def list_profiles(store: RevRecStore) -> list[AccountProfile]:
    table = schema.netsuite_account_profile
    with store.read() as conn:
        rows = conn.execute(select(table.c.profile).order_by(table.c.account_id))
        return [AccountProfile.from_json(row.profile) for row in rows]

"""The stored NetSuite account profile (what `revrec connect` or a sync discovered)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, utcnow


def save_profile(store: RevRecStore, profile: AccountProfile) -> None:
    table = schema.netsuite_account_profile
    with store.write() as conn:
        conn.execute(delete(table).where(table.c.account_id == profile.account_id))
        conn.execute(
            insert(table).values(
                account_id=profile.account_id,
                profile=profile.to_json(),
                discovered_at=profile.discovered_at or utcnow(),
            )
        )


def read_profile(store: RevRecStore, account_id: str) -> AccountProfile | None:
    table = schema.netsuite_account_profile
    with store.read() as conn:
        text = conn.execute(
            select(table.c.profile).where(table.c.account_id == account_id)
        ).scalar()
    return AccountProfile.from_json(text) if text else None

"""What the HTTP layer needs from a sandbox (server.py depends on this, not on NetSuiteSandbox)."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Protocol

from .catalog import Catalog
from .config import SandboxConfig, SandboxStats
from .messages import Request, Response
from .oauth import NonceCache
from .oauth2 import TokenStore


class Sandbox(Protocol):
    config: SandboxConfig
    stats: SandboxStats
    nonces: NonceCache
    oauth2_tokens: TokenStore

    def handle(self, req: Request) -> Response: ...

    # governance and bookkeeping
    def count(self, stat: str) -> None: ...
    def audit(self, reason: str) -> None: ...
    def apply_config(self, changes: dict) -> None: ...

    # SuiteQL
    def catalog(self) -> Catalog: ...
    def sync_deleted_record_forms(self) -> None: ...
    def connect(self, read_only: bool = False) -> sqlite3.Connection: ...
    def reader(self) -> AbstractContextManager[sqlite3.Connection]: ...

    # journal entries (REST record API)
    def write_journal(
        self,
        body: dict,
        ident: str | None,
        create_only: bool,
        replace: bool,
        upsert: bool,
        name_validation: str = "warning",
    ) -> int: ...
    def journal_json(self, ident: str, base: str, expand: bool = False) -> dict | None: ...
    def journal_lines(self, ident: str, base: str) -> dict | None: ...
    def delete_journal(self, ident: str) -> bool: ...

"""`revrec connect`: check credentials and every permission the pipeline needs, then profile
the account (features, optional columns, DeletedRecord forms, calendar) and run every query a
sync sends once on a one-minute window, so a field problem shows here and not at 06:00."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteError, NetSuiteServerError
from revrec_pipeline.netsuite.profile import AccountProfile, discover_profile
from revrec_pipeline.netsuite.queries import explain, rehearsal
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.netsuite.rows import to_local
from revrec_pipeline.settings import CREDENTIAL_FIELDS, Settings, require_credentials

# What the pipeline reads and writes, each probed with the smallest query that needs it.
PERMISSION_PROBES = (
    ("customers", "SELECT id FROM customer WHERE id > ? ORDER BY id"),
    ("items", "SELECT id FROM item WHERE id > ? ORDER BY id"),
    ("invoices", "SELECT id FROM transaction WHERE type = 'CustInvc' AND id > ? ORDER BY id"),
    ("credit memos", "SELECT id FROM transaction WHERE type = 'CustCred' AND id > ? ORDER BY id"),
    ("journal entries", "SELECT id FROM transaction WHERE type = 'Journal' AND id > ? ORDER BY id"),
    ("accounting periods", "SELECT id FROM accountingperiod WHERE id > ? ORDER BY id"),
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    message: str


def client_from_environment(settings: Settings, **overrides) -> NetSuiteClient:
    """A client for commands run outside Dagster; credentials straight from the environment."""
    require_credentials(settings)
    credentials = {
        field: os.environ.get(variable, "")
        for field, variable in CREDENTIAL_FIELDS[settings.auth_method].items()
    }
    resource = NetSuiteResource(
        account_id=settings.account_id or "",
        auth_method=settings.auth_method,
        **credentials,
        private_key_file=os.environ.get("NETSUITE_PRIVATE_KEY_FILE", ""),
        jwt_algorithm=settings.jwt_algorithm,
        base_url=settings.base_url or "",
        timezone=settings.timezone,
        max_concurrency=settings.max_concurrency,
        **overrides,
    )
    return resource.get_client()


@dataclass
class ConnectReport:
    checks: list[CheckResult] = field(default_factory=list)
    profile: AccountProfile | None = None  # set once every check passed

    @property
    def failures(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.ok]


def connect(
    settings: Settings, progress: Callable[[str], None] = print, **overrides
) -> ConnectReport:
    """Permissions, then (when they all work) the account's profile and the sync's queries."""
    client = client_from_environment(settings, max_attempts=3, **overrides)
    report = ConnectReport(check_permissions(client, settings, progress))
    if report.failures:
        return report
    progress("Profiling the account (features and optional columns) ...")
    profile = discover_profile(client, client.account_id)
    progress("Running every query the sync sends, on a one-minute window ...")
    report.checks += rehearse_sync(client, profile, ZoneInfo(settings.timezone), progress)
    if not report.failures:
        report.profile = profile
    return report


def rehearse_sync(
    client: NetSuiteClient, profile: AccountProfile, zone: ZoneInfo, progress
) -> list[CheckResult]:
    from revrec_pipeline.store.db import utcnow

    start = to_local(utcnow() - timedelta(minutes=1), zone)
    results: list[CheckResult] = []
    for query, params in rehearsal(profile, start):
        name = f"{query.stream} {query.name} query"
        try:
            client.suiteql_page(query.text, params, limit=1)
        except NetSuiteError as exc:
            results.append(CheckResult(name, False, str(explain(query, exc))))
            progress(f"  {name:32} FAILED")
            if isinstance(exc, NetSuiteAuthError | NetSuiteServerError) and exc.status != 500:
                break
        else:
            results.append(CheckResult(name, True, "ok"))
    if all(result.ok for result in results):
        progress(f"  {len(results)} sync queries ok")
    return results


def check_permissions(
    client: NetSuiteClient, settings: Settings, progress: Callable[[str], None]
) -> list[CheckResult]:
    progress(f"Connecting to {client.base_url} as account {settings.account_id} ...")
    results: list[CheckResult] = []
    for name, query in PERMISSION_PROBES:
        try:
            client.suiteql_page(query, [0], limit=1)
        except NetSuiteAuthError as exc:
            results.append(CheckResult(name, False, str(exc)))
            progress(f"  {name:20} FAILED")
            break  # bad credentials fail every probe the same way
        except NetSuiteServerError as exc:  # NetSuite or the network, not a permission
            results.append(CheckResult(name, False, str(exc)))
            progress(f"  {name:20} FAILED")
            break
        except NetSuiteError as exc:
            results.append(
                CheckResult(name, False, f"Reading {name} failed: {exc} Grant the role access.")
            )
            progress(f"  {name:20} FAILED")
        else:
            results.append(CheckResult(name, True, "ok"))
            progress(f"  {name:20} ok")
    return results

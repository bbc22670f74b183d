"""`revrec connect`: check credentials and every permission the pipeline needs."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteError, NetSuiteServerError
from revrec_pipeline.netsuite.resource import NetSuiteResource
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


def check_connection(
    settings: Settings, progress: Callable[[str], None] = print, **overrides
) -> list[CheckResult]:
    client = client_from_environment(settings, max_attempts=3, **overrides)
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

"""Shared fixtures: a real store on SQLite and on PostgreSQL, and the NetSuite sandbox on a
real socket."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.db import _engines
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment

POSTGRES_URL_VARIABLE = "REVREC_TEST_POSTGRES_URL"

# Tests must not see the developer's own configuration.
for _name in list(os.environ):
    if _name.startswith(("NETSUITE_", "REVREC_")) and _name != POSTGRES_URL_VARIABLE:
        del os.environ[_name]
os.environ.pop("DAGSTER_HOME", None)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """A fresh schema on the machine's PostgreSQL, dropped afterwards."""
    base = postgres_url()
    if not base:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        yield rendered
    finally:
        engine = _engines.pop(rendered, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_database_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'revrec.db'}"
    yield url
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """The store's URL, once on SQLite and once on PostgreSQL."""
    name = "sqlite_database_url" if request.param == "sqlite" else "postgres_database_url"
    return request.getfixturevalue(name)


@pytest.fixture
def store(database_url) -> RevRecStore:
    store = RevRecStore(database_url)
    store.create_all()
    return store


@pytest.fixture(scope="session")
def small_dataset():
    return generate_dataset(seed=11, size="small")


@pytest.fixture
def flow(small_dataset, database_url, tmp_path, monkeypatch):
    """(sandbox, dataset, store, dagster instance, REVREC_HOME) with the CRM data loaded."""
    with NetSuiteSandbox(SandboxConfig(), small_dataset) as sb:
        for name, value in sandbox_environment(sb, tmp_path / "home", database_url).items():
            monkeypatch.setenv(name, value)
        store = RevRecStore(database_url)
        store.create_all()
        customers_csv, orders_csv = small_dataset.write_crm_csv(tmp_path / "crm")
        import_crm_files(store, Path(customers_csv), Path(orders_csv))
        with dg.instance_for_test() as instance:
            yield sb, small_dataset, store, instance, tmp_path / "home"


def pytest_sessionstart(session):
    # In CI the PostgreSQL half of the suite must run, never silently skip.
    if os.environ.get("CI") and not postgres_url():
        pytest.exit(
            f"CI is set but {POSTGRES_URL_VARIABLE} is not: PostgreSQL tests would skip.", 2
        )


def pytest_terminal_summary(terminalreporter):
    """One line per store backend, so a CI log shows the suite passing on both."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when not in ("call", "setup") or (
                outcome == "passed" and report.when != "call"
            ):
                continue
            for backend in ("sqlite", "postgres"):
                if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    for backend, numbers in sorted(counts.items()):
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(numbers.items()))
        terminalreporter.write_line(f"store backend {backend}: {summary}")

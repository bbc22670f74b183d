"""Secrets never reach logs, exceptions, run config or files (SPEC §2, §3).

A full sync and posting run through the `revrec` command with known, distinctive secrets
(the four TBA keys, a wrong token secret, and the store's database password when PostgreSQL is
available); then every place the pipeline writes to is searched for each secret: the files under
REVREC_HOME, DAGSTER_HOME and the working directory (workbooks unzipped, SQLite files dumped
table by table with Dagster's compressed snapshots inflated), the Dagster runs, event logs and
snapshots through the instance API, the store's tables, every line the CLI printed, every log
record at DEBUG, every exception raised, and the repository snapshot the Dagster UI is built from.
"""

from __future__ import annotations

import gzip
import logging
import sqlite3
import time
import traceback
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from revrec_pipeline.cli import main
from revrec_pipeline.invoices.workbook import BILLING_TAB
from revrec_pipeline.netsuite.connect import client_from_environment
from revrec_pipeline.netsuite.errors import NetSuiteAuthError
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.settings import CREDENTIAL_FIELDS, load_settings
from revrec_pipeline.store.db import _engines
from revrec_pipeline_tests.conftest import postgres_url
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment, sandbox_mapping_csv

PERIOD = "2026-10"
SQLITE_HEADER = b"SQLite format 3\x00"
GZIP_HEADER = b"\x1f\x8b"


def distinctive(prefix: str) -> str:
    """A long value that cannot occur by chance: `<prefix>-SECRET-<40 hex digits>`."""
    return f"{prefix}-SECRET-{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


@dataclass
class LeakSearch:
    """Searches text and bytes for every secret; remembers where each was found."""

    secrets: dict[str, str]  # label -> value
    probes: tuple[str, ...] = ()  # known non-secret values: prove the search sees inside
    leaks: list[str] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=dict)  # probe -> kinds of place
    counts: Counter = field(default_factory=Counter)

    def needles(self) -> Iterator[tuple[str, str]]:
        for label, value in self.secrets.items():
            yield label, value
            yield f"{label} (random part)", value.rsplit("-", 1)[-1]

    def check(self, kind: str, where: str, content: str | bytes | None) -> None:
        if content is None:
            return
        self.counts[kind] += 1
        haystack = (
            content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        ).lower()
        for probe in self.probes:
            if probe.lower() in haystack:
                self.seen.setdefault(probe, set()).add(kind)
        for label, needle in self.needles():
            at = haystack.find(needle.lower())
            if at >= 0:
                snippet = haystack[max(0, at - 120) : at + len(needle) + 60]
                for other_label, value in self.secrets.items():
                    snippet = snippet.replace(value.lower(), f"<{other_label}>")
                self.leaks.append(f"{label} in {kind}: {where}\n      …{snippet!r}…")
                break  # the full value implies the random part: one report per place

    # -- files ----------------------------------------------------------------------------------

    def check_tree(self, root: Path) -> None:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            self.check_file(path)

    def check_file(self, path: Path) -> None:
        data = path.read_bytes()
        self.check("file", str(path), data)
        if zipfile.is_zipfile(path):  # .xlsx: the XML members are deflated
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    self.check("zip member", f"{path}!{member}", archive.read(member))
        elif data.startswith(GZIP_HEADER):
            self.check("gzip content", str(path), gzip.decompress(data))
        elif data.startswith(SQLITE_HEADER):
            self.check_sqlite(path)

    def check_sqlite(self, path: Path) -> None:
        """Every row of every table; BLOBs inflated (Dagster stores snapshots zlib-compressed)."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in tables:
                for number, row in enumerate(conn.execute(f'SELECT * FROM "{table}"')):
                    where = f"{path} table {table} row {number}"
                    self.check("sqlite row", where, repr(row))
                    for cell in row:
                        if isinstance(cell, bytes):
                            try:
                                inflated = zlib.decompress(cell)
                            except zlib.error:
                                continue  # not compressed: the raw row was checked above
                            self.check("sqlite blob (inflated)", where, inflated)
        finally:
            conn.close()

    # -- the store ------------------------------------------------------------------------------

    def check_database(self, database_url: str) -> None:
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                for table in inspect(conn).get_table_names():
                    rows = conn.execute(text(f'SELECT * FROM "{table}"'))
                    for number, row in enumerate(rows):
                        self.check("store row", f"store table {table} row {number}", repr(row))
        finally:
            engine.dispose()

    # -- Dagster --------------------------------------------------------------------------------

    def check_instance(self, instance: dg.DagsterInstance) -> None:
        for run in instance.get_runs():
            where = f"run {run.run_id} ({run.job_name})"
            self.check("dagster run", where, dg.serialize_value(run))
            self.check("run config", where, repr(run.run_config))
            self.check("run tags", where, repr(run.tags))
            if run.job_snapshot_id:
                snapshot = instance.get_job_snapshot(run.job_snapshot_id)
                self.check("job snapshot", where, dg.serialize_value(snapshot))
            if run.execution_plan_snapshot_id:
                plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
                self.check("execution plan snapshot", where, dg.serialize_value(plan))
            for entry in instance.all_logs(run.run_id):
                event = entry.dagster_event.event_type_value if entry.dagster_event else "log"
                at = f"{where} event {event} step {entry.step_key}"
                self.check("event", at, dg.serialize_value(entry))
                self.check("event (str)", at, str(entry))
                self.check("event message", at, entry.user_message)

    def check_exception(self, where: str, exc: BaseException) -> None:
        self.check("exception", where, str(exc))
        self.check("exception", where, repr(exc))
        self.check("exception", where, repr(exc.args))
        self.check("exception traceback", where, "".join(traceback.format_exception(exc)))


@pytest.fixture
def store_url(tmp_path) -> Iterator[tuple[str, str | None]]:
    """(URL, its password): PostgreSQL with a password when available (trust auth ignores it),
    else SQLite (no password to leak)."""
    base = postgres_url()
    if not base:
        url = f"sqlite:///{tmp_path / 'home' / 'revrec.db'}"
        yield url, None
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        return
    password = distinctive("pw")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .set(password=password)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url, password
    finally:
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.slow
def test_no_secret_reaches_logs_files_run_config_or_errors(
    store_url, tmp_path, monkeypatch, capsys, caplog
):
    started = time.monotonic()
    database_url, db_password = store_url
    config = SandboxConfig(
        consumer_key=distinctive("ck"),
        consumer_secret=distinctive("cs"),
        token_id=distinctive("ti"),
        token_secret=distinctive("ts"),
    )
    wrong_token_secret = distinctive("wrong-ts")
    secrets = {
        "NETSUITE_CONSUMER_KEY": config.consumer_key,
        "NETSUITE_CONSUMER_SECRET": config.consumer_secret,
        "NETSUITE_TOKEN_ID": config.token_id,
        "NETSUITE_TOKEN_SECRET": config.token_secret,
        "wrong NETSUITE_TOKEN_SECRET": wrong_token_secret,
    }
    if db_password:
        secrets["REVREC_DATABASE_URL password"] = db_password
    search = LeakSearch(secrets, probes=(BILLING_TAB, "NETSUITE_CONSUMER_SECRET"))

    home, dagster_home, workdir = tmp_path / "home", tmp_path / "dagster_home", tmp_path / "cwd"
    for folder in (home, dagster_home, workdir):
        folder.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.chdir(workdir)  # no stray .env; anything written to ./ is searched too
    caplog.set_level(logging.DEBUG)
    dataset = generate_dataset(seed=11, size="small")
    customers_csv, orders_csv = dataset.write_crm_csv(tmp_path / "crm")
    exceptions: list[tuple[str, BaseException]] = []
    outputs: list[tuple[str, str]] = []

    def revrec(*argv: str) -> int:
        command = f"revrec {' '.join(argv)}"
        try:
            code = main(list(argv))
        except Exception as exc:  # an unexpected error: searched like every other
            exceptions.append((command, exc))
            code = -1
        captured = capsys.readouterr()
        outputs.append((command, captured.out + captured.err))
        search.check("CLI stdout", command, captured.out)
        search.check("CLI stderr", command, captured.err)
        return code

    with NetSuiteSandbox(config, dataset) as sb:
        for name, value in sandbox_environment(sb, home, database_url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
        mapping_csv = tmp_path / "mapping.csv"
        mapping_csv.write_text(sandbox_mapping_csv(sb.manifest), encoding="utf-8")

        steps = [
            ("crm", "import", "--customers", str(customers_csv), "--sales-orders", str(orders_csv)),
            ("sync",),  # before go-live: a conversion job
            ("period", "set", PERIOD),
            ("sync",),
            ("mapping", "import", str(mapping_csv)),
            ("period", "close", PERIOD),
            ("journals", "post", PERIOD),
            ("status",),
            ("jobs",),
            ("connect",),
        ]
        for argv in steps:
            code = revrec(*argv)
            assert code == 0, f"revrec {' '.join(argv)} exited {code}:\n{outputs[-1][1]}"
        assert sb.journal_entries(), "the posting run put no journal entry into the sandbox"

        # The same commands with a wrong token secret: errors must not echo it either.
        monkeypatch.setenv("NETSUITE_TOKEN_SECRET", wrong_token_secret)
        assert revrec("connect") == 1
        assert "NetSuite rejected the credentials" in outputs[-1][1]
        assert revrec("sync") == 1
        assert "NetSuite rejected the credentials" in outputs[-1][1]
        client = client_from_environment(load_settings(), max_attempts=1)
        with pytest.raises(NetSuiteAuthError) as rejected:
            client.suiteql_page("SELECT id FROM customer WHERE id > ? ORDER BY id", [0], limit=1)
        exceptions.append(
            ("NetSuiteClient.suiteql_page with the wrong token secret", rejected.value)
        )
        search.check("client repr", "repr(NetSuiteClient.auth)", repr(client.auth))

        # The repository snapshot the UI is built from: EnvVar names, never their values.
        from revrec_pipeline.definitions import build_definitions

        snapshot = dg.serialize_value(
            RepositorySnap.from_def(build_definitions().get_repository_def())
        )
        search.check("repository snapshot", "RepositorySnap.from_def(defs)", snapshot)
        for name in CREDENTIAL_FIELDS["tba"].values():
            assert name in snapshot, f"{name} is not an EnvVar in the repository snapshot"
        if db_password:
            assert "REVREC_DATABASE_URL" in snapshot

    for where, exc in exceptions:
        search.check_exception(where, exc)
    for record in caplog.records:
        where = f"log record {record.name}:{record.levelname} ({record.pathname}:{record.lineno})"
        search.check("log record", where, record.getMessage())
        search.check("log record", where, repr(record.args))
        if record.exc_info:
            search.check("log record", where, "".join(traceback.format_exception(*record.exc_info)))
    search.check("log text", "caplog.text", caplog.text)

    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        search.check_instance(instance)
    search.check_database(database_url)
    for root in (home, dagster_home, workdir):
        search.check_tree(root)

    files = {
        root.name: sum(1 for p in root.rglob("*") if p.is_file()) for root in (home, dagster_home)
    }
    workbooks = sorted(home.rglob("*.xlsx"))
    compute_logs = [p for p in dagster_home.rglob("compute_logs/*") if p.is_file()]
    summary = (
        f"searched {dict(search.counts)}; files {files} ({len(workbooks)} workbooks, "
        f"{len(compute_logs)} compute log files); {len(runs)} runs; "
        f"{len(caplog.records)} log records; {len(outputs)} CLI commands; store "
        f"{'PostgreSQL' if db_password else 'SQLite'}; {time.monotonic() - started:.1f} s"
    )
    print(summary)

    leaks = search.leaks
    assert not leaks, "secrets leaked:\n  " + "\n  ".join(leaks) + f"\n{summary}"
    # The search looked where it claims: runs, events, store rows, workbook XML (unzipped) and
    # Dagster's zlib-compressed snapshots (inflated: the EnvVar names are in there).
    assert len(runs) == 4 and search.counts["event"] > 100, summary
    assert len(workbooks) == 3 and search.counts["store row"] > 1000, summary
    assert "zip member" in search.seen.get(BILLING_TAB, set()), summary
    assert "sqlite blob (inflated)" in search.seen.get("NETSUITE_CONSUMER_SECRET", set()), summary

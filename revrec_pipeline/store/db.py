"""Engine set-up and the store's small API. SQLite by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pandas.core.internals.construction import convert_object_array
from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Float,
    Integer,
    Select,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from revrec_pipeline.store import schema

_engines: dict[str, Engine] = {}
_upgraded: set[str] = set()
MIGRATIONS = Path(__file__).parent / "migrations"


def _migration_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# Tables each revision creates: a store made before migrations existed is stamped, not rebuilt.
_REVISION_TABLES = {
    "0001": {"netsuite_customer", "netsuite_transaction", "sync_state", "crm_customer"},
    "0002": {"billing_schedule_line", "accounting_period", "journal_posting"},
    "0003": {"journal_plan"},
    "0004": {"netsuite_account_profile"},
    "0005": {"period_reopen", "gl_tieout"},
    "0006": {"netsuite_subsidiary"},
}


def _adopt_unversioned(conn: Connection) -> None:
    existing = set(inspect(conn).get_table_names())
    adopted = None
    for revision, tables in _REVISION_TABLES.items():
        if tables <= existing:
            adopted = revision
    if adopted:
        command.stamp(_migration_config(conn), adopted)


def head_revision() -> str:
    return ScriptDirectory.from_config(_migration_config(None)).get_current_head()


_engines_lock = threading.Lock()


def chunked(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """Batches for IN-lists and executemany, small enough for every backend's bind limit."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, updating those whose primary key exists (SQLite and PostgreSQL alike), as
    one statement executed for many rows (`write_columns`): a multi-VALUES statement per batch
    was recompiled every time (14x slower on 20,000 headers)."""
    if rows:
        write_columns(conn, table, columns_of(rows), update=True)


def columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows of the same keys as one list per key (what `write_columns` takes)."""
    return {name: [row[name] for row in rows] for name in rows[0]}


def write_columns(
    conn: Connection, table: Table, columns: dict[str, list[Any]], update: bool = False
) -> None:
    """Insert rows given column by column (equal-length lists); `update`: a row whose primary
    key exists is updated instead. On SQLite through the driver with the columns' own bind
    processing (what SQLAlchemy would store, without its per-row parameter building, most of
    the write's cost); on PostgreSQL SQLAlchemy's batched statements."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    keys = [column.name for column in table.primary_key.columns]
    if conn.dialect.name != "sqlite":
        rows = [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
        if not update:
            conn.execute(table.insert(), rows)
            return
        statement = postgresql.insert(table)
        updates = {name: statement.excluded[name] for name in names if name not in keys}
        conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)
        return
    # Column by column: processed where its type binds through Python, each distinct value
    # once (a document's lines share their dates and stamps). Equal values bind alike for
    # these types: dates and stamps to their text, flags and amounts to numbers.
    values_by_column = []
    for name in names:
        column = columns[name]
        process = table.c[name].type._cached_bind_processor(conn.dialect)
        if process is not None:
            bound: dict[Any, Any] = {None: None}
            column = [
                bound[value] if value in bound else bound.setdefault(value, process(value))
                for value in column
            ]
        values_by_column.append(column)
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in names)})'
    if update:
        updates = [f'"{name}" = excluded."{name}"' for name in names if name not in keys]
        conflict = ", ".join(f'"{key}"' for key in keys)
        sql += f" ON CONFLICT ({conflict}) DO " + (
            f"UPDATE SET {', '.join(updates)}" if updates else "NOTHING"
        )
    conn.exec_driver_sql(sql, list(zip(*values_by_column, strict=True)))


READ_CHUNK_ROWS = 50_000
# Pages a connection keeps (KiB): a sync's one large transaction spills less of it to the WAL.
SQLITE_CACHE_KIB = 65_536


def read_frame(conn: Connection, statement: Select) -> pd.DataFrame:
    """`statement`'s rows as the DataFrame `pd.DataFrame(conn.execute(statement).fetchall())`
    would give (the same values, types and dtypes), in a fraction of the memory.

    Rows come from the driver in chunks (a server-side cursor on PostgreSQL), not as one list of
    SQLAlchemy rows; each distinct raw value of a column is converted once, by the column's own
    result processing, and kept once, so a million lines' repeated dates, amounts and names are
    pointers to a few thousand objects."""
    compiled = statement.compile(dialect=conn.dialect)
    names = [column.key for column in statement.selected_columns]
    types = [column.type for column in statement.selected_columns]
    params = compiled.params
    sql = str(compiled)
    dbapi = conn.connection.dbapi_connection
    named = conn.dialect.driver in ("psycopg2", "psycopg")
    cursor = dbapi.cursor(name="revrec_read_frame") if named else dbapi.cursor()
    try:
        if compiled.positional:
            cursor.execute(sql, tuple(params[name] for name in compiled.positiontup or ()))
        else:
            cursor.execute(sql, params)
        values: list[list[Any]] = [[] for _ in names]
        converters: list[Any] = []
        while chunk := cursor.fetchmany(READ_CHUNK_ROWS):
            if not converters:  # the driver's type codes are known once a row has come back
                converters = [
                    _column_converter(type_, conn.dialect, description[1])
                    for type_, description in zip(types, cursor.description, strict=True)
                ]
            for column, raw, convert in zip(
                values, zip(*chunk, strict=True), converters, strict=True
            ):
                column.extend(raw if convert is None else map(convert, raw))
            del chunk
    finally:
        cursor.close()
    if not values[0]:
        return pd.DataFrame([], columns=names)
    # The very conversion pandas applies to the columns of a list of rows.
    arrays = []
    for column in values:
        array = np.empty(len(column), dtype=object)
        array[:] = column
        column.clear()
        arrays.append(convert_object_array([array], dtype=None)[0])
    frame = pd.DataFrame(dict(enumerate(arrays)), copy=False)
    frame.columns = names  # a select may name a column twice
    return frame


_SHARED_VALUES = 10_000  # per column: enough for dates, amounts and names, not for ids
_MISSING = object()


def _column_converter(type_, dialect, type_code):
    """raw driver value → what SQLAlchemy returns for it, each of the first distinct values
    converted once and kept once; None where there is nothing to share (ids, flags, floats)."""
    process = type_._cached_result_processor(dialect, type_code)
    if process is None and isinstance(type_, Integer | Float | Boolean):
        return None
    seen: dict[Any, Any] = {}
    get = seen.get

    def processed(raw):
        return raw if process is None or raw is None else process(raw)

    def convert(raw):
        # Equal but differently written numbers (0.0 and -0.0, 1.0 and 1.00) stay apart.
        key = (raw, repr(raw)) if isinstance(raw, float | Decimal) else raw
        try:
            value = get(key, _MISSING)
        except TypeError:  # unhashable (a driver's JSON value): converted, not kept
            return processed(raw)
        if value is _MISSING:
            value = processed(raw)
            if len(seen) < _SHARED_VALUES:
                seen[key] = value
        return value

    return convert


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.drivername == "postgresql":
        # SQLAlchemy 2.1's default PostgreSQL driver is psycopg 3; the installed one is psycopg2.
        url = url.set(drivername="postgresql+psycopg2")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Writers queue for the lock rather than fail: a big sync can hold it for minutes.
    engine = create_engine(url, connect_args={"timeout": 600})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy issue BEGIN itself so that writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=600000")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        # A writer takes SQLite's write lock at BEGIN, so two writers queue instead of deadlocking.
        immediate = conn.get_execution_options().get("revrec_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def engine_for(database_url: str) -> Engine:
    with _engines_lock:
        engine = _engines.get(database_url)
        if engine is None:
            engine = _engines[database_url] = _make_engine(database_url)
        return engine


class _AnyTurn:
    """A writer's turn that is always free (PostgreSQL)."""

    def acquire(self, blocking: bool = True) -> bool:
        return True

    def release(self) -> None:
        pass


class RevRecStore:
    """The RevRec store. `write()` is one all-or-nothing transaction."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = engine_for(database_url)
        # The writer's turn in this process: SQLite has one writer at a time, so streams that
        # read side by side take turns to write instead of polling its lock; PostgreSQL's
        # writers run side by side (each stream locks its own rows).
        self.one_writer = self.engine.dialect.name == "sqlite"
        self.writer_turn: Any = threading.Lock() if self.one_writer else _AnyTurn()

    def create_all(self) -> None:
        """Create or upgrade the store to the newest schema (idempotent, once per process)."""
        if self.database_url not in _upgraded:
            # Read first: the write lock (which waits behind a running sync) only when needed.
            if self.revision() != head_revision():
                self.upgrade()
            _upgraded.add(self.database_url)

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Run the Alembic migrations up to `revision`; returns (before, after) revisions."""
        with self.write() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes upgrading at once queue here instead of racing on CREATE TABLE.
                conn.execute(text("SELECT pg_advisory_xact_lock(7263550141)"))
            before = MigrationContext.configure(conn).get_current_revision()
            if before is None:
                _adopt_unversioned(conn)
            command.upgrade(_migration_config(conn), revision)
            after = MigrationContext.configure(conn).get_current_revision()
        return before, after

    def downgrade(self, revision: str) -> None:
        """Run the migrations down to `revision` (development and upgrade tests)."""
        with self.write() as conn:
            command.downgrade(_migration_config(conn), revision)

    def revision(self) -> str | None:
        with self.read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def write(self, consistent: bool = False) -> Iterator[Connection]:
        """One all-or-nothing transaction. `consistent`: every read in it sees one snapshot
        (REPEATABLE READ on PostgreSQL; a SQLite writer has that already)."""
        with self.engine.connect() as conn:
            options: dict[str, Any] = {"revrec_write": True}
            if consistent and conn.dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**options)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # -- sync state --------------------------------------------------------------------------

    def lock_stream(self, conn: Connection, stream: str) -> datetime | None:
        """Take the stream's row lock for this transaction and return its watermark (UTC)."""
        table = schema.sync_state
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        # Insert-if-missing first, so two first runs of a stream queue on the row lock.
        conn.execute(
            insert(table)
            .values(stream=stream, watermark_at=None, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["stream"])
        )
        row = conn.execute(
            select(table.c.watermark_at).where(table.c.stream == stream).with_for_update()
        ).one()
        return row.watermark_at

    def set_watermark(self, conn: Connection, stream: str, watermark: datetime | None) -> None:
        table = schema.sync_state
        conn.execute(
            table.update()
            .where(table.c.stream == stream)
            .values(watermark_at=watermark, updated_at=utcnow())
        )

    def watermarks(self) -> dict[str, datetime | None]:
        with self.read() as conn:
            rows = conn.execute(
                select(schema.sync_state.c.stream, schema.sync_state.c.watermark_at)
            )
            return {row.stream: row.watermark_at for row in rows}

    # -- inspection (CLI and tests) ----------------------------------------------------------

    def count(self, table_name: str) -> int:
        with self.read() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM {table_name}")).scalar_one()

    def count_documents(self, tran_type: str) -> int:
        table = schema.netsuite_transaction
        with self.read() as conn:
            query = select(func.count()).select_from(table).where(table.c.type == tran_type)
            return conn.execute(query).scalar_one()

    def snapshot(self, table_name: str) -> list[tuple[Any, ...]]:
        """Every row of a table in primary-key order: compares two stores exactly."""
        table = schema.metadata.tables[table_name]
        with self.read() as conn:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns))
            return [tuple(row) for row in rows]


class StoreResource(dg.ConfigurableResource):
    """The RevRec store for assets; `database_url` is any SQLAlchemy URL."""

    database_url: str

    def get_store(self) -> RevRecStore:
        store = RevRecStore(self.database_url)
        store.create_all()
        return store

"""NetSuiteSandbox: lifecycle, governance, fault switches and data helpers for tests."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from . import journals
from .catalog import Catalog
from .config import FEATURES, SandboxConfig, SandboxStats
from .db import bulk_load, connect, create_schema, get_meta, set_meta
from .deleted import rederive
from .generator import Dataset, generate_dataset
from .loader import data_features, load_dataset
from .messages import Request, Response
from .mutations import DataMutations, _plain
from .oauth import NonceCache
from .oauth2 import TOKEN_PATH, TokenStore
from .pages import JOURNAL_PAGE, journal_page
from .server import (
    SandboxHTTPServer,
    admin,
    authenticate,
    error,
    invalid_query,
    route,
    sleep,
    token_endpoint,
)
from .subsidiaries import account_subsidiary_map, load_customer_subsidiaries

TOO_MANY = "Concurrent request limit exceeded. Request blocked."
READERS_KEPT = 8  # idle SuiteQL connections kept (a client has at most a few requests in flight)


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {value!r}")
    return value


CONFIG_KNOBS = {
    "latency_ms": int,
    "fault_rate": float,
    "max_concurrency": int,
    "row_cap": int,
    "fault_seed": int,
    "timestamp_window_s": int,
    # Forms of unknown facts and journal approval change no data: switchable while running.
    "deleted_type_form": str,
    "deleted_date_zone": str,
    "journal_approval": _flag,
    "journal_currencies": str,
}


class NetSuiteSandbox(DataMutations):
    """A local NetSuite REST account backed by SQLite (see SPEC §9)."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        dataset: Dataset | None = None,
        db_path: str | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.config.validate()
        self.dataset = dataset
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="netsuite-sandbox-")
            weakref.finalize(self, shutil.rmtree, self._tmpdir, True)
            db_path = os.path.join(self._tmpdir, "netsuite.db")
        self.db_path = str(db_path)
        if dataset is not None or not _is_loaded(self.db_path):
            self.dataset = dataset or generate_dataset()
            for stale in (self.db_path, f"{self.db_path}-wal", f"{self.db_path}-shm"):
                if os.path.exists(stale):
                    os.remove(stale)
            load_dataset(self.db_path, self.dataset, self.config)
        with self._conn() as conn:
            create_schema(conn)  # a database loaded by an older sandbox gains new views
            _fill_account_subsidiary_map(conn, self.config)
            self.manifest: dict = _int_keys(get_meta(conn, "manifest", {}))
            self._check_features(get_meta(conn, "features"))
            self._deleted_forms = tuple(get_meta(conn, "deleted_forms", ["id", "account", ""]))
        self._catalog: tuple[tuple, Catalog] | None = None
        self.nonces = NonceCache()
        self.oauth2_tokens = TokenStore()
        self.login_audit_trail: list[tuple[datetime, str]] = []
        self.stats = SandboxStats()
        self._lock = threading.Lock()  # stats, in-flight count and fault queues
        self._write_lock = threading.Lock()  # one writer at a time, like a record lock
        self._in_flight = 0
        self._fail_queue: deque[int] = deque()
        self._hang_queue: deque[float] = deque()
        self._matching_faults: list[list] = []  # [body fragment, status, times left]
        self._journal_faults: dict[str, list] = {}
        self._rng: tuple[int, random.Random] | None = None
        self._readers: list[sqlite3.Connection] = []  # idle SuiteQL connections (reader())
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.sync_deleted_record_forms()

    def _check_features(self, loaded: dict | None) -> None:
        """A reused database keeps the features it was loaded with: they shaped its data."""
        wanted = data_features(self.config)
        if loaded is not None and loaded != wanted:
            names = set(wanted) | set(loaded)
            differ = ", ".join(sorted(k for k in names if loaded.get(k) != wanted.get(k)))
            raise ValueError(
                f"The sandbox database {self.db_path} was loaded with other features ({differ} "
                "differ); start it with the same features or give a new database file."
            )

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> NetSuiteSandbox:
        self._server = SandboxHTTPServer((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="netsuite-sandbox",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            idle, self._readers = self._readers, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        """Stop and delete the temporary database (a given db_path is kept)."""
        self.stop()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> NetSuiteSandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def environment(self) -> dict[str, str]:
        """The NETSUITE_* variables a client needs to use this sandbox (TBA)."""
        cfg = self.config
        return {
            "NETSUITE_BASE_URL": self.url,
            "NETSUITE_ACCOUNT_ID": cfg.account_id,
            "NETSUITE_CONSUMER_KEY": cfg.consumer_key,
            "NETSUITE_CONSUMER_SECRET": cfg.consumer_secret,
            "NETSUITE_TOKEN_ID": cfg.token_id,
            "NETSUITE_TOKEN_SECRET": cfg.token_secret,
            "NETSUITE_TIMEZONE": cfg.timezone,
        }

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- request pipeline ---------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        if req.path.startswith("/sandbox/v1/"):
            return admin(self, req)
        if req.path == JOURNAL_PAGE and req.method == "GET":
            # A UI page: NetSuite serves it to a browser session, outside the REST API's
            # authentication and concurrency limit.
            return journal_page(self, req)
        if not self._enter():
            return self._finish(error(429, TOO_MANY, "CONCURRENCY_LIMIT_EXCEEDED"))
        try:
            response = self._process(req)
        except Exception as exc:
            response = error(
                500, f"An unexpected error occurred: {type(exc).__name__}.", "UNEXPECTED_ERROR"
            )
        finally:
            # Free the slot before answering, so a client that waits for its answer never
            # collides with its own previous request.
            with self._lock:
                self._in_flight -= 1
        return self._finish(response)

    def _enter(self) -> bool:
        with self._lock:
            self._in_flight += 1
            self.stats.requests += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
            if self._in_flight > self.config.max_concurrency:
                self._in_flight -= 1
                self.stats.rejected_429 += 1
                return False
            return True

    def _finish(self, response: Response) -> Response:
        with self._lock:
            self.stats.by_status[response.status] = self.stats.by_status.get(response.status, 0) + 1
        return response

    def _process(self, req: Request) -> Response:
        injected = self._injected_fault() or self._matching_fault(req)
        if injected is not None:
            return injected
        # latency_ms is the response time of a remote NetSuite: the sandbox's own work happens
        # inside it (the rest is slept), so a request takes max(latency, work), not their sum.
        began = time.monotonic()
        if req.path == TOKEN_PATH:
            response = token_endpoint(self, req)
        else:
            response = authenticate(self, req) or route(self, req)
        sleep(self.config.latency_ms / 1000 - (time.monotonic() - began))
        return response

    def _injected_fault(self) -> Response | None:
        # Queued failures come first; a request that fails does not also hang, so
        # fail_next(2) + hang_next(1) means three bad attempts in a row.
        with self._lock:
            status = self._fail_queue.popleft() if self._fail_queue else None
            hang = self._hang_queue.popleft() if status is None and self._hang_queue else 0.0
            if status is None and not hang and self.config.fault_rate > 0:
                if self._rng is None or self._rng[0] != self.config.fault_seed:
                    self._rng = (self.config.fault_seed, random.Random(self.config.fault_seed))
                if self._rng[1].random() < self.config.fault_rate:
                    status = self._rng[1].choice([500, 502, 503])
            if status is not None:
                self.stats.injected_faults += 1
        sleep(hang)
        if status is None:
            return None
        return error(
            status,
            "An unexpected error has occurred. Error ID: sandbox-injected-fault",
            "UNEXPECTED_ERROR",
        )

    def count(self, stat: str) -> None:
        with self._lock:
            setattr(self.stats, stat, getattr(self.stats, stat) + 1)

    def audit(self, reason: str) -> None:
        with self._lock:
            self.login_audit_trail.append((datetime.now(UTC), reason))

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = SandboxStats()

    def apply_config(self, changes: dict) -> None:
        unknown = set(changes) - set(CONFIG_KNOBS)
        if unknown:
            raise ValueError(f"Unknown config keys: {', '.join(sorted(unknown))}")
        before = dict(vars(self.config))
        try:
            for key, value in changes.items():
                setattr(self.config, key, CONFIG_KNOBS[key](value))
            self.config.validate()
        except (ValueError, TypeError):
            vars(self.config).update(before)  # all or nothing
            raise
        self.sync_deleted_record_forms()

    # --- what SuiteQL sees --------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The records and fields the account exposes, for its current features."""
        key = tuple(getattr(self.config, name) for name in FEATURES)
        cached = self._catalog
        if cached is None or cached[0] != key:
            cached = self._catalog = (key, Catalog.for_config(self.config))
        return cached[1]

    def sync_deleted_record_forms(self) -> None:
        """Put DeletedRecord.type and .deleteddate in the forms the config names (cheap when
        nothing changed; rewrites every row when a switch or the time zone did)."""
        cfg = self.config
        zone = cfg.timezone if cfg.deleted_date_zone == "utc" else ""  # else: as stored
        wanted = (cfg.deleted_type_form, cfg.deleted_date_zone, zone)
        if self._deleted_forms == wanted:
            return
        with self._write_lock:
            if self._deleted_forms == wanted:
                return
            with self._conn() as conn:
                rederive(conn, cfg.deleted_type_form, cfg.deleted_date_zone, cfg.timezone)
                set_meta(conn, "deleted_forms", list(wanted))
            self._deleted_forms = wanted

    # --- fault switches -----------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503) -> None:
        with self._lock:
            self._fail_queue.extend([status] * n)

    def fail_requests_matching(self, text: str, status: int = 400, times: int = 1) -> None:
        """The next `times` requests whose body contains `text` (a SuiteQL fragment) fail
        with `status`, whatever else runs beside them: one stream's failure, deterministic
        while the streams overlap."""
        with self._lock:
            self._matching_faults.append([text.encode("utf-8"), status, times])

    def _matching_fault(self, req: Request) -> Response | None:
        with self._lock:
            for fault in self._matching_faults:
                if fault[2] > 0 and fault[0] in req.body:
                    fault[2] -= 1
                    self.stats.injected_faults += 1
                    status = fault[1]
                    break
            else:
                return None
        if status == 400:
            return invalid_query("sandbox-injected fault")
        return error(
            status,
            "An unexpected error has occurred. Error ID: sandbox-injected-fault",
            "UNEXPECTED_ERROR",
        )

    def hang_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._hang_queue.extend([seconds] * n)

    def fail_journal(
        self, external_id: str, status: int = 500, times: int = 1, after_commit: bool = False
    ) -> None:
        """Journal writes for that external id fail `times` times; with after_commit the
        entry is saved first and only the answer is lost (what a timeout looks like)."""
        with self._lock:
            self._journal_faults[external_id] = [status, times, after_commit]

    def _journal_fault(self, external_id: str | None) -> _JournalFault | None:
        with self._lock:
            fault = self._journal_faults.get(external_id or "")
            if not fault or fault[1] <= 0:
                return None
            fault[1] -= 1
            self.stats.injected_faults += 1
            return _JournalFault(fault[0], fault[2])

    # --- journals -----------------------------------------------------------------------

    # Test switches (class defaults, replaced per instance): line fields the account clears on
    # store, as a workflow or script would; how GET shows approval (journals.APPROVAL_FORMS).
    _dropped_journal_fields: frozenset[str] = frozenset()
    journal_approval_form: str = "both"

    def drop_journal_field(self, *names: str) -> None:
        """Store journal lines without these fields (department, class, location, cseg_*,
        memo), silently, like a workflow clearing them; no names: store them again."""
        for name in names:
            if name not in (*journals.SEGMENT_TABLES, "memo") and not name.startswith("cseg_"):
                raise ValueError(f"{name!r} is not a journal line segment or memo")
        self._dropped_journal_fields = frozenset(names)

    def set_journal_approval_form(self, form: str) -> None:
        if form not in journals.APPROVAL_FORMS:
            raise ValueError(f"{form!r} is not one of {', '.join(journals.APPROVAL_FORMS)}")
        self.journal_approval_form = form

    def write_journal(
        self,
        body: dict,
        ident: str | None,
        create_only: bool,
        replace: bool,
        upsert: bool,
        name_validation: str = "warning",
    ) -> int:
        """Validate and store one journal request; returns the internal id."""
        by_eid = bool(ident) and ident.lower().startswith("eid:")
        external_id = (ident[4:] if by_eid else None) or body.get("externalId")
        fault = self._journal_fault(external_id)
        if fault and not fault.after_commit:
            raise fault.error()
        body = journals.screen_fields(body, self.config, name_validation)
        with self._write_lock, self._conn() as conn:
            internal_id = self._write_journal(
                conn, body, ident, external_id, create_only, replace, upsert and by_eid
            )
        if fault:  # saved, but the answer is lost
            raise fault.error()
        return internal_id

    @property
    def several_subsidiaries(self) -> bool:
        """OneWorld with several subsidiaries: accounts, currencies and elimination checked."""
        return self.config.oneworld and self.config.subsidiaries == "several"

    def _write_journal(self, conn, body, ident, external_id, create_only, replace, upsert) -> int:
        refs = journals.References(conn, subsidiaries=self.several_subsidiaries)
        found = self._find_journal(conn, ident, external_id)
        if create_only and found:
            raise journals.JournalError(400, "DUP_RCRD", "This record already exists.")
        if found is None and not (create_only or upsert):
            raise journals.JournalError(
                404, "NONEXISTENT_ID", f"Record with ID '{ident}' was not found."
            )
        existing = found[1] if found else None
        header = journals.parse_header(
            body,
            existing,
            refs,
            self.now_local().date(),
            oneworld=self.config.oneworld,
            needs_approval=self.config.journal_approval,
            several=self.several_subsidiaries,
            any_currency=self.config.journal_currencies == "any",
        )
        sent = journals.parse_lines(body, refs)
        for line in sent:  # what a workflow clearing a field leaves
            for name in self._dropped_journal_fields:
                line.segments.pop(name, None)
                line.custom.pop(name, None)
                if name == "memo":
                    line.memo = None
        lines = sent
        if found and not replace:
            lines = journals.stored_lines(conn, found[0]) + sent  # NetSuite appends without replace
        journals.check_lines(lines)
        if self.several_subsidiaries:
            journals.check_subsidiary_accounts(header, lines, refs)
        now = self.now_local().strftime("%Y-%m-%d %H:%M:%S")
        if found:
            journals.update(conn, found[0], header, lines, now)
            return found[0]
        return journals.create(conn, header, lines, external_id, now)

    @staticmethod
    def _find_journal(conn, ident: str | None, external_id: str | None = None):
        if ident and not ident.lower().startswith("eid:"):
            return journals.find(conn, internal_id=int(ident)) if ident.isdigit() else None
        external_id = external_id or (ident[4:] if ident else None)
        return journals.find(conn, external_id=external_id) if external_id else None

    def _journal_view(self, base: str) -> journals.View:
        return journals.View(
            base, ZoneInfo(self.config.timezone), self.config, self.journal_approval_form
        )

    def journal_json(self, ident: str, base: str, expand: bool = False) -> dict | None:
        """GET …/journalEntry/{id | eid:X}: lines only with `expandSubResources=true`."""
        with self._conn() as conn:
            found = self._find_journal(conn, ident)
            if not found:
                return None
            return journals.to_json(conn, found[0], self._journal_view(base), expand)

    def journal_lines(self, ident: str, base: str) -> dict | None:
        """GET …/journalEntry/{id | eid:X}/line: the line sublist."""
        with self._conn() as conn:
            found = self._find_journal(conn, ident)
            if not found:
                return None
            return journals.lines_json(conn, found[0], self._journal_view(base))

    def delete_journal(self, ident: str) -> bool:
        """DELETE …/journalEntry/{id | eid:X}; False when there is no such entry."""
        local = self.now_local()
        utc = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        deleted_at = utc if self.config.deleted_date_zone == "utc" else local
        with self._write_lock, self._conn() as conn:
            found = self._find_journal(conn, ident)
            if not found:
                return False
            journals.delete(
                conn,
                found[0],
                self.config.deleted_type_form,
                self._stamp(deleted_at),
                self._stamp(local),
            )
        return True

    def approve_journal(self, ident: str) -> None:
        """An approver approves the entry in the UI: it is approved and posts."""
        with self._write_lock, self._conn() as conn:
            found = self._find_journal(conn, ident)
            if not found:
                raise KeyError(f"no journal entry {ident}")
            conn.execute(
                "UPDATE \"transaction\" SET approvalstatus = 2, posting = 'T', status = 'B', "
                "lastmodifieddate = ? WHERE id = ?",
                (self._stamp(None), found[0]),
            )

    def journal_entries(self) -> list[dict]:
        """Every journal entry held, lines expanded (for test assertions)."""
        with self._conn() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM \"transaction\" WHERE type = 'Journal' ORDER BY id"
                )
            ]
            view = self._journal_view("")
            return [journals.to_json(conn, i, view, expand=True) for i in ids]

    # --- database -----------------------------------------------------------------------

    def connect(self, read_only: bool = False) -> sqlite3.Connection:
        return connect(self.db_path, self.now_local, read_only=read_only)

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for one SuiteQL request, kept for the next one: opening one
        (functions, pragmas, the schema, the statements) is most of a small query's work. A
        request that leaves it fully read sees every write committed before its statements run,
        as a new connection would; one that fails closes it."""
        with self._lock:
            conn = self._readers.pop() if self._readers else None
        if conn is None:
            clock = weakref.WeakMethod(self.now_local)  # a kept connection keeps no sandbox
            conn = connect(self.db_path, lambda: clock()(), read_only=True, shared=True)
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        if conn.in_transaction:  # never: query_only; but a reader must not hold a snapshot
            conn.close()
            return
        with self._lock:
            if len(self._readers) < READERS_KEPT:
                self._readers.append(conn)
                return
        conn.close()

    def _conn(self):
        return _Closing(self.connect())

    def now_local(self) -> datetime:
        """Current account-local wall time, naive (how NetSuite's tables hold datetimes)."""
        return datetime.now(ZoneInfo(self.config.timezone)).replace(tzinfo=None, microsecond=0)

    def execute(self, sql: str, params=()) -> list[dict]:
        """Raw SQL on the backing SQLite (escape hatch for tests); commits."""
        with self._write_lock, self._conn() as conn:
            cursor = conn.execute(sql, tuple(params))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _stamp(self, moment: datetime | None) -> str:
        return (moment or self.now_local()).strftime("%Y-%m-%d %H:%M:%S")

    def _update(self, table: str, where: str, key: tuple, fields: dict) -> None:
        if not fields:
            return
        sets = ", ".join(f'"{k.lower()}" = ?' for k in fields)
        values = [_plain(v) for v in fields.values()]
        with self._write_lock, self._conn() as conn:
            cursor = conn.execute(f'UPDATE "{table}" SET {sets} WHERE {where}', [*values, *key])
            if cursor.rowcount == 0:
                raise KeyError(f"no {table} row where {where} {key}")


@dataclass
class _JournalFault:
    status: int
    after_commit: bool

    def error(self) -> journals.JournalError:
        return journals.JournalError(
            self.status, "UNEXPECTED_ERROR", "An unexpected error has occurred."
        )


# Manifest entries keyed by subsidiary id: JSON keeps keys as text, tests index them by int.
_INT_KEYED = ("subsidiaries", "accounts_by_subsidiary", "subsidiary_counts")


def _int_keys(manifest: dict) -> dict:
    for key in _INT_KEYED:
        if isinstance(manifest.get(key), dict):
            manifest[key] = {int(k): v for k, v in manifest[key].items()}
    return manifest


def _fill_account_subsidiary_map(conn: sqlite3.Connection, config: SandboxConfig) -> None:
    """A database loaded before AccountSubsidiaryMap existed gets its rows (one subsidiary
    mode: every account available to every subsidiary), and its customers' subsidiaries."""
    if not config.oneworld or conn.execute("SELECT 1 FROM accountsubsidiarymap").fetchone():
        return
    loaded = [r[0] for r in conn.execute("SELECT id FROM subsidiary")]
    bulk_load(conn, "accountsubsidiarymap", account_subsidiary_map("one", loaded))
    if not conn.execute("SELECT 1 FROM customersubsidiaryrelationship").fetchone():
        load_customer_subsidiaries(conn)


def _is_loaded(path: str) -> bool:
    if not os.path.exists(path):
        return False
    try:
        with _Closing(sqlite3.connect(path)) as conn:
            return get_meta(conn, "manifest") is not None
    except sqlite3.Error:
        return False


class _Closing:
    """`with` for a connection that commits on success and always closes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, exc_type, *_) -> None:
        try:
            if exc_type is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 42,
    size: int | str = "small",
    config: SandboxConfig | None = None,
    db_path: str | None = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C, printing the .env lines to use it."""
    reuse = db_path is not None and _is_loaded(db_path)
    dataset = None if reuse else generate_dataset(seed, size)
    started = time.monotonic()
    sb = NetSuiteSandbox(config, dataset, db_path).start(host, port)
    cfg = sb.config
    print(
        f"NetSuite sandbox listening on {sb.url} (data ready in {time.monotonic() - started:.1f} s)"
    )
    print(f"Account {cfg.account_id}, time zone {cfg.timezone}, database {sb.db_path}")
    print(f"Features {cfg.describe_features()}")
    if sb.several_subsidiaries:
        subs = sb.manifest.get("subsidiaries", {})
        listed = ", ".join(
            f"{i} {s['name']} ({s['currency']}{', elimination' if s['elimination'] else ''})"
            for i, s in sorted(subs.items())
        )
        print(f"Subsidiaries: {listed}")
    zone = "the account zone" if cfg.deleted_date_zone == "account" else "UTC"
    print(f"DeletedRecord.type as {cfg.deleted_type_form}, deleteddate in {zone}")
    print("Put these lines in your .env:")
    for name, value in sb.environment().items():
        print(f"{name}={value}")
    print("Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (docker stop, kill) ends it as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sb.close() if db_path is None else sb.stop()

"""`revrec dev`: the Dagster UI (`dagster dev`) on the demo's store and instance, with the
bundled NetSuite sandbox serving the demo's account, wired together (SPEC §10)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from revrec_pipeline.demo import (
    DEFAULT_SEED,
    DEFAULT_SIZE,
    DemoRecord,
    demo_environment,
    demo_folder,
    run_demo,
)
from revrec_pipeline.runner import prepare_managed_instance

LOCATION_NAME = "revrec_pipeline"
WORKSPACE = f"""\
# Written by `revrec dev`: the one code location, from the installed package.
load_from:
  - python_module:
      module_name: revrec_pipeline.definitions
      location_name: {LOCATION_NAME}
"""
# `dagster dev` announces that `dg dev` supersedes it; the project does not use dg, and the
# warning names nothing the user can act on. Only that message is ignored.
SUPERSEDED_DEV = "ignore:Function `dev_command` is superseded"
STARTUP_TIMEOUT_S = 180
SHUTDOWN_GRACE_S = 75  # dagster dev gives its webserver and daemon up to 60 s each
LEFTOVER_GRACE_S = 5


class DevError(RuntimeError):
    """`revrec dev` cannot start; the message is one sentence for the user."""


@dataclass(frozen=True)
class DevOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    home: str | None = None
    size: int | str | None = None  # None: the existing demo's, else "small"
    seed: int | None = None
    sandbox_port: int = 0  # 0: any free port
    log_level: str = "warning"


def child_environment(
    environ: Mapping[str, str],
    folder: Path,
    sandbox_environment: Mapping[str, str],
    record: DemoRecord,
    dagster_home: Path,
) -> dict[str, str]:
    """The environment of `dagster dev` and everything it starts: the demo's settings (as the
    demo ran), its instance, and the one warning filter. Secrets travel only here."""
    env = demo_environment(environ, folder, sandbox_environment, record.exclude_products)
    env["DAGSTER_HOME"] = str(dagster_home)
    env["PYTHONWARNINGS"] = ",".join(filter(None, (env.get("PYTHONWARNINGS"), SUPERSEDED_DEV)))
    return env


def dagster_dev_command(workspace: Path, options: DevOptions) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-w",
        str(workspace),
        "-h",
        options.host,
        "-p",
        str(options.port),
        "--log-level",
        options.log_level,
    ]


def demo_to_run(
    record: DemoRecord | None, size: int | str | None, seed: int | None
) -> tuple[int | str, int] | None:
    """The (size, seed) the demo must run with first, or None when the finished demo fits: an
    option not given means the existing demo's value (else the demo's default)."""
    if record is None:
        return (DEFAULT_SIZE if size is None else size, DEFAULT_SEED if seed is None else seed)
    wanted = (record.size if size is None else size, record.seed if seed is None else seed)
    return None if (str(wanted[0]), wanted[1]) == (str(record.size), record.seed) else wanted


def ensure_demo(options: DevOptions, progress: Callable[[str], None]) -> tuple[Path, DemoRecord]:
    """The demo folder and its record; runs the demo first when there is no finished demo, or
    when --size or --seed ask for other data than it has."""
    folder = demo_folder(options.home)
    record = DemoRecord.read(folder)
    wanted = demo_to_run(record, options.size, options.seed)
    if wanted is None:
        return folder, record
    size, seed = wanted
    if record is None:
        progress(f"No finished demo in {folder}: running `revrec demo` first ...")
    else:
        progress(
            f"The demo in {folder} has seed {record.seed}, size {record.size}: running "
            f"`revrec demo` again for seed {seed}, size {size} ..."
        )
    code = run_demo(size=size, seed=seed, home=str(folder), progress=progress)
    record = DemoRecord.read(folder)
    if code != 0 or record is None:
        raise DevError(f"`revrec demo` did not finish in {folder}; see its output above.")
    progress("")
    return folder, record


def _check_port_free(host: str, port: int) -> None:
    """dagster dev's webserver idles on a taken port instead of exiting: refuse up front."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DevError(
                f"Port {port} on {host} cannot be used for the Dagster UI ({exc.strerror}); "
                "choose another with --port."
            ) from None


def _browse_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}"


def _webserver_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
            return "dagster_webserver_version" in json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError):
        return False


class _StopSignals:
    """SIGINT, SIGTERM and SIGHUP ask to stop (counted: a second one means "now")."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.received = 0
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    def _handle(self, signum, _frame) -> None:
        self.received += 1
        self.event.set()

    @contextlib.contextmanager
    def installed(self) -> Iterator[_StopSignals]:
        for name in self.NAMES:
            signum = getattr(signal, name, None)
            if signum is not None:
                self._previous[signum] = signal.signal(signum, self._handle)
        try:
            yield self
        finally:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _stop(process: subprocess.Popen, signals: _StopSignals, progress) -> None:
    """Stop `dagster dev` as Ctrl-C does (it shuts its webserver, daemon and code server down),
    then end whatever of its session is left (run workers), so nothing is left behind."""
    pgid = process.pid  # started in a new session: its pid is the group's id
    if process.poll() is None:
        progress("Stopping the Dagster UI ...")
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        asked = signals.received
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        while process.poll() is None and time.monotonic() < deadline:
            if signals.received > asked:  # asked twice: don't wait
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    for signum, grace in ((signal.SIGTERM, LEFTOVER_GRACE_S), (signal.SIGKILL, 5)):
        if not _group_alive(pgid):
            break
        _signal_group(pgid, signum)
        deadline = time.monotonic() + grace
        while _group_alive(pgid) and time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def run_dev(options: DevOptions, progress: Callable[[str], None] = print) -> int:
    from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

    _check_port_free(options.host, options.port)
    folder, record = ensure_demo(options, progress)
    dagster_home = folder / "dagster"
    prepare_managed_instance(dagster_home)
    workspace = dagster_home / "workspace.yaml"
    workspace.write_text(WORKSPACE, encoding="utf-8")

    signals = _StopSignals()
    with signals.installed():
        try:
            sandbox = NetSuiteSandbox(
                SandboxConfig(subsidiaries=record.subsidiaries),
                None,
                db_path=str(folder / record.sandbox_database),
            ).start("127.0.0.1", options.sandbox_port)
        except (OSError, ValueError) as exc:
            raise DevError(f"The NetSuite sandbox cannot start: {exc}") from None
        try:
            env = child_environment(os.environ, folder, sandbox.environment(), record, dagster_home)
            process = subprocess.Popen(
                dagster_dev_command(workspace, options),
                cwd=dagster_home,  # its dagster.yaml is DAGSTER_HOME's: no "other dagster.yaml"
                env=env,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # our signals stop it; its whole session can be ended
            )
            try:
                return _serve(process, sandbox, folder, options, signals, progress)
            finally:
                _stop(process, signals, progress)
        finally:
            sandbox.close()
            progress(
                "Stopped. The demo's data stays in the demo folder; `revrec dev` opens it again."
            )


def _serve(process, sandbox, folder: Path, options: DevOptions, signals, progress) -> int:
    url = _browse_url(options.host, options.port)
    progress(f"Starting the Dagster UI on the demo in {folder} ...")
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not _webserver_ready(url):
        if process.poll() is not None:
            progress(f"dagster dev exited with code {process.returncode} before the UI was up.")
            return 1
        if signals.event.wait(0.5):
            return 0
        if time.monotonic() > deadline:
            progress(f"The Dagster UI did not answer at {url} within {STARTUP_TIMEOUT_S} s.")
            return 1
    progress(f"Dagster UI: {url}")
    progress(
        f"NetSuite sandbox: {sandbox.url} (account {sandbox.config.account_id}, the demo's data)"
    )
    progress(f"Store and instance: {folder} (DAGSTER_HOME {folder / 'dagster'})")
    progress("Press Ctrl-C to stop both.")
    while not signals.event.wait(0.5):
        if process.poll() is not None:
            progress(f"dagster dev exited with code {process.returncode}.")
            return 1
    return 0

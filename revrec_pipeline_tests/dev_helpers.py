"""Driving a real `revrec dev` (sandbox + `dagster dev`) from a test or a benchmark: start it
in its own session, talk to its webserver, stop it as a user does, and find what is left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from revrec_pipeline_tests.ui_smoke_helpers import DagsterDev, free_port, group_members


class RevrecDev(DagsterDev):
    """`python -m revrec_pipeline dev --home HOME` on free ports; the webserver helpers
    (graphql, poll, wait_for_location, fail with the log tail) are DagsterDev's."""

    def __init__(
        self, env: Mapping[str, str], home: Path, log_path: Path, *extra: str, cwd: Path
    ) -> None:
        super().__init__(env, home / "dagster", log_path)
        self.home = home
        self.extra = extra
        self.cwd = cwd
        self.sandbox_port = 0

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def start(self, timeout: float, attempts: int = 1) -> dict:
        self.spawn()
        return self.wait_for_webserver(timeout)

    def spawn(self) -> None:
        self.port, self.sandbox_port = free_port(), free_port()
        command = [
            sys.executable,
            "-m",
            "revrec_pipeline",
            "dev",
            "--home",
            str(self.home),
            "--port",
            str(self.port),
            "--sandbox-port",
            str(self.sandbox_port),
            *self.extra,
        ]
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cleanup(self) -> None:
        """After a test, whatever happened: stop it as Ctrl-C does, then SIGKILL whatever of
        its processes is left (dagster dev runs in a session of its own)."""
        if self.process is None or self.process.poll() is not None:
            return
        below = descendants(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=120)
        kill_left({**below, **descendants(self.process.pid)})
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float) -> None:
        self.poll(f"{text!r} in the output", lambda: text in self.output(), timeout)

    def interrupt(self, signum: int = signal.SIGINT, timeout: float = 120) -> int:
        """Send signum to `revrec dev` alone (not its group), as a terminal's Ctrl-C reaches
        the foreground process; returns its exit code, SIGKILLing its group on a timeout."""
        assert self.process is not None
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.fail(f"revrec dev still running {timeout:.0f} s after signal {signum}")

    def stop(self, grace: float = 120) -> list[str]:
        if self.process is None or self.process.poll() is not None:
            return group_members(self.process.pid) if self.process else []
        self.interrupt(signal.SIGINT, grace)
        return group_members(self.process.pid)


@dataclass(frozen=True)
class Process:
    started: int  # clock ticks since boot: tells a process from a later one with its pid
    group: int
    command: str


def _stat(pid: int) -> tuple[int, int, int, str] | None:
    """(ppid, process group, start time, state) of a live process, or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), int(fields[19]), fields[0]


def descendants(root: int) -> dict[int, Process]:
    """Every live process below root, by pid."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[3] != "Z":
                children.setdefault(stat[0], []).append(int(entry.name))
    found: dict[int, Process] = {}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            stat = _stat(child)
            try:
                raw = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if stat is None:
                continue
            command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
            found[child] = Process(started=stat[2], group=stat[1], command=command)
            stack.append(child)
    return found


def _alive(processes: dict[int, Process]) -> list[int]:
    alive = []
    for pid, process in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[2] == process.started and stat[3] != "Z":
            alive.append(pid)
    return alive


def still_alive(processes: dict[int, Process]) -> list[str]:
    """Those of processes (as descendants() gave them) that are still running."""
    return [f"{pid} {processes[pid].command}" for pid in _alive(processes)]


def kill_left(processes: dict[int, Process]) -> None:
    """SIGKILL those of processes still running and whatever else is left in their process
    groups (started later by them); never a later process that reuses a pid."""
    for pid in _alive(processes):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for group in {p.group for p in processes.values()} - {os.getpgrp()}:
        if group_members(group):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


def wait_all_gone(processes: dict[int, Process], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        alive = still_alive(processes)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)

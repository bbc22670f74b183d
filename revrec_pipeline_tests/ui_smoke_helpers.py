"""Driving a real `dagster dev -w workspace.yaml` from a test: start it in its own process
group, talk to its GraphQL API, and stop every process it started."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCATION_NAME = "revrec_pipeline"
REPOSITORY_NAME = "__repository__"

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on PythonError { message }
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message causes { message } }
          ... on RepositoryLocation { repositories { name } }
        }
      }
    }
  }
}
"""

REPOSITORY_QUERY = """
query Repository($selector: RepositorySelector!) {
  repositoryOrError(repositorySelector: $selector) {
    __typename
    ... on Error { message }
    ... on Repository {
      name
      assetNodes {
        assetKey { path }
        groupName
        jobNames
        assetChecksOrError {
          __typename
          ... on Error { message }
          ... on AssetChecks { checks { name assetKey { path } blocking } }
        }
      }
      pipelines { name isAssetJob }
      schedules {
        name
        pipelineName
        cronSchedule
        executionTimezone
        scheduleState { status }
      }
      sensors {
        name
        targets { pipelineName }
        sensorState { status }
      }
    }
  }
}
"""

JOB_QUERY = """
query Job($selector: PipelineSelector!) {
  pipelineOrError(params: $selector) {
    __typename
    ... on Error { message }
    ... on Pipeline { name solidHandles { handleID } }
  }
}
"""

SENSOR_TICKS_QUERY = """
query SensorTicks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Error { message }
    ... on Sensor {
      sensorState {
        status
        ticks(limit: 5) { status skipReason error { message causes { message } } }
      }
    }
  }
}
"""

LAUNCH_RUN_MUTATION = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message causes { message } }
    ... on Error { message }
  }
}
"""

RUN_QUERY = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Error { message }
    ... on Run { runId status }
  }
}
"""

RUNS_OF_JOB_QUERY = """
query RunsOfJob($filter: RunsFilter!) {
  runsOrError(filter: $filter) {
    __typename
    ... on Error { message }
    ... on Runs { results { runId status startTime endTime tags { key value } } }
  }
}
"""

RUN_EVENTS_QUERY = """
query RunEvents($runId: ID!) {
  logsForRun(runId: $runId, limit: 1000) {
    __typename
    ... on Error { message }
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level stepKey }
        ... on ErrorEvent { error { message causes { message } } }
      }
    }
  }
}
"""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's pick, released for the caller)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def group_members(pgid: int) -> list[str]:
    """The live (non-zombie) processes of a process group, as `pid state command` lines."""
    if not Path("/proc").is_dir():  # not Linux: only "the group still exists" can be told
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [f"process group {pgid}"]
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(f"{entry.name} {state} {cmdline.strip()}")
    return members


class PortTaken(Exception):
    """The webserver could not bind its port: someone took it after free_port() chose it."""


class DagsterDev:
    """`dagster dev -w workspace.yaml` on 127.0.0.1:<port>, in a new session (process group)."""

    def __init__(self, env: Mapping[str, str], dagster_home: Path, log_path: Path) -> None:
        self.env = dict(env)
        self.dagster_home = dagster_home
        self.log_path = log_path
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float, attempts: int = 3, instance_yaml: str | None = None) -> dict:
        """Start it and wait for the webserver; returns its /server_info. A port taken between
        picking it and binding it (another test) is retried on a new port."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        # A given dagster.yaml is written; an instance's own (the demo's: pools, limits) is
        # kept. Telemetry is off either way.
        config = self.dagster_home / "dagster.yaml"
        if instance_yaml is not None:
            config.write_text(instance_yaml)
        existing = config.read_text().rstrip() + "\n" if config.exists() else ""
        if "telemetry:" not in existing:
            config.write_text(existing + "telemetry:\n  enabled: false\n")
        for _attempt in range(attempts):
            self._spawn()
            try:
                return self.wait_for_webserver(timeout)
            except PortTaken:
                survivors = self.stop()
                assert not survivors, f"left running after a failed start: {survivors}"
        self.fail(f"no free port for the webserver in {attempts} attempts")

    def _spawn(self) -> None:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            "workspace.yaml",
            "-p",
            str(self.port),
            "-h",
            "127.0.0.1",
        ]
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**self.env, "DAGSTER_HOME": str(self.dagster_home)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    # --- observing ----------------------------------------------------------------------

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _log_since_start(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def fail(self, message: str) -> NoReturn:
        raise AssertionError(f"{message}\n--- dagster dev log (tail) ---\n{self.log_tail()}")

    def assert_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            self.fail(f"dagster dev exited with code {self.process.returncode}")

    def _request(self, path: str, body: dict | None = None, timeout: float = 30) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def graphql(self, query: str, **variables: Any) -> dict:
        try:
            answer = self._request("/graphql", {"query": query, "variables": variables})
        except urllib.error.HTTPError as exc:  # a bad query: 400/500 with the errors as JSON
            body = exc.read().decode(errors="replace")
            try:
                answer = json.loads(body)
            except ValueError:
                self.fail(f"GraphQL answered HTTP {exc.code}: {body[:2000]}")
        if answer.get("errors"):
            self.fail(f"GraphQL errors: {json.dumps(answer['errors'], indent=2)}")
        return answer["data"]

    def poll(self, what: str, probe: Callable[[], Any], timeout: float, interval=0.5) -> Any:
        """Call probe until it returns something truthy; fail with the log tail on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.assert_alive()
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def wait_for_webserver(self, timeout: float) -> dict:
        def probe():
            try:
                info = self._request("/server_info", timeout=5)
            except (OSError, urllib.error.URLError, ValueError):
                # uvicorn logs this and the webserver then idles: don't wait for the timeout.
                if "address already in use" in self._log_since_start():
                    raise PortTaken(self.port) from None
                return None
            # Anything else on the port (a stolen port) is not our webserver.
            if "dagster_webserver_version" not in info:
                self.fail(f"not a Dagster webserver on port {self.port}: {info!r}")
            return info

        return self.poll("the webserver's /server_info", probe, timeout)

    def wait_for_location(self, name: str, timeout: float) -> dict:
        def probe():
            workspace = self.graphql(WORKSPACE_QUERY)["workspaceOrError"]
            if workspace["__typename"] != "Workspace":
                self.fail(f"workspaceOrError is {workspace}")
            entries = {e["name"]: e for e in workspace["locationEntries"]}
            entry = entries.get(name)
            if entry is None or entry["loadStatus"] != "LOADED":
                return None
            location = entry["locationOrLoadError"]
            if location is None or location["__typename"] != "RepositoryLocation":
                self.fail(f"code location {name} failed to load: {json.dumps(location, indent=2)}")
            return entry

        return self.poll(f"code location {name} to load", probe, timeout)

    # --- stopping -----------------------------------------------------------------------

    def stop(self, grace: float = 20) -> list[str]:
        """SIGTERM the whole group, SIGKILL it if anything is left after `grace` seconds;
        returns the group's live processes after that (empty when all is well)."""
        if self.process is None:
            return []
        pgid = self.process.pid  # start_new_session: the leader's pid is the group's id
        self._signal_group(pgid, signal.SIGTERM)
        if not self._wait_gone(pgid, grace):
            survivors = group_members(pgid)
            with self.log_path.open("a") as log:
                log.write(f"\n[test] alive {grace:.0f} s after SIGTERM, SIGKILL: {survivors}\n")
            self._signal_group(pgid, signal.SIGKILL)
            self._wait_gone(pgid, 10)
        return group_members(pgid)

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signum)

    def _wait_gone(self, pgid: int, timeout: float) -> bool:
        """Reap the leader (our child) and wait until the group has no live process."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.1)
            if self.process.returncode is not None and not group_members(pgid):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

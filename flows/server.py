"""Prefect servers zh2en starts on 127.0.0.1: a full one for as long as `zh2en serve` runs
(schedules need a real server; an ephemeral one cannot schedule), and an API-only one for a
one-off run. Either is skipped when PREFECT_API_URL points at a server already running."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from typing import Iterator

from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.server_process import api_only_command, exit_reason, free_port, spawn, take_early


class ServerError(RuntimeError):
    pass


def _healthy(api_url: str) -> bool:
    from prefect.client.orchestration import get_client

    with temporary_settings({PREFECT_API_URL: api_url}):
        try:
            with get_client(sync_client=True) as client:
                return client.api_healthcheck() is None
        except Exception:
            return False


@contextlib.contextmanager
def prefect_server(port: int | None = None, start_timeout: float = 120) -> Iterator[str]:
    """For `zh2en serve`: the API URL to use; a full server this function started (UI
    included) is stopped on exit, and dies with this process even if it is killed."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        yield existing
        return
    port = port or free_port()
    args = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with _running(spawn(args, {}, port), port, start_timeout) as api_url:
        yield api_url


@contextlib.contextmanager
def temporary_server(start_timeout: float = 120) -> Iterator[str]:
    """For a one-off run: the API in PREFECT_API_URL if set (e.g. a running `zh2en serve`),
    else the API-only server Prefect's ephemeral mode would start - but started by zh2en (at
    its very start when it could: flows/server_process.py), so it is tied to this process:
    stopped on exit, on SIGTERM, and (through the kernel's parent-death signal) even when this
    process is killed with SIGKILL, which Prefect's own temporary server survives."""
    early = take_early()
    existing = PREFECT_API_URL.value()  # from the environment, a profile, or a test harness
    if existing:
        if early is not None:   # a profile names a server: the early one is not needed
            _stop(early[0])
        yield existing
        return
    if early is None:
        port = free_port()
        early = (spawn(*api_only_command(port), port), port)
    with _running(early[0], early[1], start_timeout) as api_url:
        yield api_url


@contextlib.contextmanager
def _running(proc: subprocess.Popen, port: int, start_timeout: float) -> Iterator[str]:
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(api_url):
            if proc.poll() is not None:
                reason = exit_reason(proc)
                raise ServerError(f"the local Prefect server exited (status {proc.returncode}) before it was ready"
                                  + (f": {reason}" if reason else "") + " (PREFECT_HOME: "
                                  + os.environ.get("PREFECT_HOME", "~/.prefect") + ")")
            if time.monotonic() > deadline:
                raise ServerError(f"the local Prefect server did not answer on {api_url} within {start_timeout:.0f} s")
            time.sleep(0.2)
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        _drain_prefect_workers()
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _drain_prefect_workers(timeout: float = 10) -> None:
    """Send what Prefect's log and event workers still hold while the server is up: left for
    interpreter exit, they would be talking to a stopped server (and wait on it)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except Exception:  # best effort: the run's outcome is already decided
            pass

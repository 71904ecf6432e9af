"""Prefect servers zh2en starts on 127.0.0.1: a full one for as long as `zh2en serve` runs
(schedules need a real server; an ephemeral one cannot schedule), and an API-only one for a
one-off run. Either is skipped when PREFECT_API_URL points at a server already running."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

from prefect.settings import PREFECT_API_URL, temporary_settings


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    with _running(args, {}, port, start_timeout) as api_url:
        yield api_url


@contextlib.contextmanager
def temporary_server(start_timeout: float = 120) -> Iterator[str]:
    """For a one-off run: the API in PREFECT_API_URL if set (e.g. a running `zh2en serve`),
    else the API-only server Prefect's ephemeral mode would start - but started here, so it
    is tied to this process: stopped on exit, on SIGTERM, and (through the kernel's
    parent-death signal) even when this process is killed with SIGKILL, which Prefect's own
    temporary server survives."""
    existing = PREFECT_API_URL.value()  # from the environment, a profile, or a test harness
    if existing:
        yield existing
        return
    import prefect

    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]
    env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    with _running(args, env, port, start_timeout) as api_url:
        yield api_url


@contextlib.contextmanager
def _running(args: list[str], extra_env: dict, port: int, start_timeout: float) -> Iterator[str]:
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": api_url, **extra_env}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_die_with_parent)
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(api_url):
            if proc.poll() is not None:
                raise ServerError(f"the local Prefect server exited (status {proc.returncode}) before it was ready")
            if time.monotonic() > deadline:
                raise ServerError(f"the local Prefect server did not answer on {api_url} within {start_timeout:.0f} s")
            time.sleep(0.2)
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        _drain_prefect_workers()
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


def _die_with_parent() -> None:
    """In the child, before it runs the server: Linux sends it SIGTERM when the thread that
    started it ends - also when this process is killed outright (PR_SET_PDEATHSIG)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

"""A Prefect server for scheduled runs: the one in PREFECT_API_URL if set, otherwise a local
one started on 127.0.0.1 for as long as `zh2en serve` runs (schedules need a real server;
an ephemeral one cannot schedule)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
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
    """Yield the API URL to use; a server this function started is stopped on exit."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        yield existing
        return
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": api_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(api_url):
            if proc.poll() is not None:
                raise ServerError(f"the local Prefect server exited (status {proc.returncode}) before it was ready")
            if time.monotonic() > deadline:
                raise ServerError(f"the local Prefect server did not answer on {api_url} within {start_timeout:.0f} s")
            time.sleep(0.5)
        with temporary_settings({PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

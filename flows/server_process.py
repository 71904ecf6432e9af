"""Starting a local Prefect server process, with the standard library only: `zh2en translate`
and `zh2en summarize` start the one-off run's API server here before Python has imported
Prefect and the pipeline (~1.4 s), so the server's own start (~3.5 s on 2 cores) overlaps
them instead of following them. flows/server.py adopts the process, waits for it and stops it.

Every process started here dies with zh2en, even when zh2en is killed outright (the kernel's
parent-death signal)."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

# The commands whose run starts a temporary server (not `serve`: it starts a full one).
ONE_OFF_COMMANDS = ("translate", "summarize")

_early: tuple[subprocess.Popen, int] | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_only_command(port: int) -> tuple[list[str], dict[str, str]]:
    """(arguments, extra environment) of the API-only server Prefect's ephemeral mode would start."""
    prefect_dir = Path(importlib.util.find_spec("prefect").origin).parent   # found, not imported
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]
    return args, {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


def spawn(args: list[str], extra_env: dict[str, str], port: int) -> subprocess.Popen:
    """The server process; its stderr goes to an unnamed temporary file, read only to say why
    it exited if it does (exit_reason)."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", **extra_env}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True, preexec_fn=_die_with_parent)
    proc.zh2en_log = log
    return proc


def exit_reason(proc: subprocess.Popen) -> str:
    """The last line of an exited server's error output (the exception it died of), or ""."""
    log = getattr(proc, "zh2en_log", None)
    if log is None:
        return ""
    log.seek(0)
    lines = [line.strip() for line in log.read()[-8192:].decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def start_early(argv: list[str]) -> None:
    """Start the temporary server now if this command line will need one: a one-off command,
    not just its help, and no server of the user's own named in the environment."""
    global _early
    if not argv or argv[0] not in ONE_OFF_COMMANDS or {"--help", "-h"} & set(argv) \
            or os.environ.get("PREFECT_API_URL") or _early is not None:
        return
    try:
        port = free_port()
        _early = (spawn(*api_only_command(port), port), port)
    except (OSError, AttributeError):   # no Prefect found or cannot start: flows/server.py says why later
        _early = None


def take_early() -> tuple[subprocess.Popen, int] | None:
    """The server start_early started (once; None if none or it has already exited)."""
    global _early
    early, _early = _early, None
    if early is not None and early[0].poll() is not None:
        return None
    return early


def _die_with_parent() -> None:
    """In the child, before it runs the server: Linux sends it SIGTERM when the thread that
    started it ends - also when this process is killed outright (PR_SET_PDEATHSIG)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

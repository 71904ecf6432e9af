"""Prefect's settings that must be in the environment before Prefect is first imported - every
one zh2en sets, in this one place. `flows/__init__.py` applies the general ones; the command
line adds the quiet logging a terminal user wants. A value the user exported is kept."""

from __future__ import annotations

import os

GENERAL = {
    # Telemetry off: its lookup fails loudly offline.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # A one-off run starts Prefect's temporary server; its default 20 s wait fails runs on a
    # busy 2-core machine (seen twice on a long post). Waiting longer costs nothing when quick.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
# Prefect's logs are for its UI; a terminal user gets zh2en's own one-line messages (export
# PREFECT_LOGGING_LEVEL=INFO to see Prefect's).
TERMINAL = {
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
}


def apply(settings: dict[str, str]) -> None:
    for name, value in settings.items():
        os.environ.setdefault(name, value)


def prefect_home_problem() -> str | None:
    """Why Prefect's home folder (PREFECT_HOME, else ~/.prefect) cannot be made or written, in
    one line, or None. Checked before Prefect is imported: Prefect itself only warns, and its
    server then dies with a bare exit status."""
    home = os.path.expanduser(os.environ.get("PREFECT_HOME") or "~/.prefect")
    try:
        os.makedirs(home, exist_ok=True)
        if not os.access(home, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        return (f"Prefect's home folder {home} cannot be used ({exc.strerror or exc}); "
                "set PREFECT_HOME to a folder you can write")
    return None

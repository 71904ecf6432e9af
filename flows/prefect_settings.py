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

"""The `zh2en` command's entry point. A one-off run (`translate`, `summarize`) needs a local
Prefect server; it is started here, before Prefect and the pipeline are imported, so that its
start-up and theirs overlap (flows/server_process.py). Then the command line proper runs.

Signals are set first thing: a run started with SIGINT ignored (`zh2en translate … &` in a
script) still stops on Ctrl-C / `kill -INT`, and a stop during the ~2 s of imports prints one
line, not a traceback (the server started early dies with this process)."""

from __future__ import annotations

import os
import signal
import sys


_signalled: list[int] = []   # the exit status of a stop signal met during the imports


def _interrupted(signum, frame) -> None:   # both replaced by zh2en.cli's once it is imported
    _signalled.append(130)
    raise KeyboardInterrupt


def _terminated(signum, frame) -> None:
    _signalled.append(143)
    raise SystemExit(143)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        from flows import prefect_settings
        from flows.server_process import start_early

        prefect_settings.apply(prefect_settings.TERMINAL)   # the server gets the command's quiet logging
        problem = prefect_settings.prefect_home_problem()
        if problem and not {"--help", "-h"} & set(sys.argv[1:]):
            sys.stderr.write(f"zh2en: error: {problem}\n")
            sys.exit(1)
        start_early(sys.argv[1:])
        from zh2en.cli import main as run_command
    except KeyboardInterrupt:
        _stop("interrupted", 130)
    except SystemExit as stop:
        if stop.code != 143:
            raise
        _stop("terminated", 143)
    except Exception:
        # A library may turn the stop into an error of its own (pydantic's serializer wraps it
        # in PydanticSerializationError, seen under load): the signal decides, not the error.
        if not _signalled:
            raise
        _stop("interrupted" if _signalled[0] == 130 else "terminated", _signalled[0])
    run_command()


def _stop(how: str, status: int) -> None:
    """One line and out, at once: an interrupted import can leave Python believing the
    interrupt went unhandled (it would then re-raise it at exit and die of SIGINT)."""
    sys.stderr.write(f"zh2en: {how} before it began; nothing was written\n")
    sys.stderr.flush()
    os._exit(status)

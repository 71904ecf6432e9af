"""The `zh2en` command's entry point. A one-off run (`translate`, `summarize`) needs a local
Prefect server; it is started here, before Prefect and the pipeline are imported, so that its
start-up and theirs overlap (flows/server_process.py). Then the command line proper runs."""

from __future__ import annotations

import sys


def main() -> None:
    from flows import prefect_settings
    from flows.server_process import start_early

    prefect_settings.apply(prefect_settings.TERMINAL)   # the server gets the command's quiet logging
    start_early(sys.argv[1:])
    from zh2en.cli import main as run_command

    run_command()

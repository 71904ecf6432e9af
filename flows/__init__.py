"""Prefect flows over the plain pipeline/ functions.

Prefect reads its settings when first imported, so they are set here, before any module of
this package imports it: telemetry off (its lookup fails loudly offline) and task results
persisted under zh2en's state folder (the segment cache lives there with the memory)."""

import os

from pipeline.memory import default_state_dir

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(default_state_dir() / "prefect-results"))

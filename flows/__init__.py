"""Prefect flows over the plain pipeline/ functions.

Prefect reads its settings when first imported, so they are set here, before any module of
this package imports it: telemetry off (its lookup fails loudly offline) and task results
persisted under zh2en's state folder (the segment cache lives there with the memory)."""

import os

from pipeline.memory import default_state_dir

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A one-off run starts Prefect's temporary server; its default 20 s wait fails runs on a busy
# 2-core machine (seen twice on a long post). Waiting longer costs nothing when it is quick.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# A storage path the user chose is kept. One derived here is marked as such, so a child
# process given another ZH2EN_STATE_DIR (a bench run, a test) derives its own instead of
# inheriting - and being answered from - its parent's cache.
if "PREFECT_LOCAL_STORAGE_PATH" not in os.environ or os.environ.get("ZH2EN_DERIVED_PREFECT_STORAGE") == "1":
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(default_state_dir() / "prefect-results")
    os.environ["ZH2EN_DERIVED_PREFECT_STORAGE"] = "1"

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Tests never touch the user's translation memory: a fresh state folder per test session
# (inherited by the CLI subprocesses the tests start).
os.environ["ZH2EN_STATE_DIR"] = tempfile.mkdtemp(prefix="zh2en-test-state-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API and database, for the tests that run flows in this process
    (their modules ask for it: `pytestmark = pytest.mark.usefixtures("prefect_harness")`); the
    others never start it. The project's start limit, not Prefect's 30 s: a busy 2-core machine
    needs more (flows/prefect_settings.py)."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.prefect_settings import GENERAL

    with prefect_test_harness(server_startup_timeout=int(GENERAL["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])):
        yield

SEEDS = Path(os.environ.get("ZH2EN_SEEDS", REPO.parent / "shared" / "seeds"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"seed pages not found at {SEEDS}: the tests expect ../shared/seeds beside the "
                    f"checkout, or ZH2EN_SEEDS pointing at them")
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir):
    from pipeline.ingest.reader import read_path

    return read_path(seeds_dir)


@pytest.fixture(scope="session")
def llama_backend():
    """The real packaged model, loaded once for the whole session."""
    from pipeline.backends import create_backend
    from pipeline.settings import Settings

    backend = create_backend("llama", prompt_state_dir=Settings().prompt_state_dir)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, seeds_dir):
    """A tiny MarianMT model built from scratch (see tiny_marian.py): fast real inference
    through transformers, garbage output - for behaviour tests, never for quality."""
    from tiny_marian import build_tiny_marian

    zh = [ln for f in sorted(seeds_dir.iterdir()) for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    english = ["The gradient of the loss is computed for every parameter.",
               "Attention weights are normalised with a softmax.",
               "We show that the method converges quickly."] * 20
    return build_tiny_marian(tmp_path_factory.mktemp("marian"), zh, english)

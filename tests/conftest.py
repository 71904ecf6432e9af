import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Tests never touch the user's translation memory: a fresh state folder per test session
# (inherited by the CLI subprocesses the tests start).
os.environ["ZH2EN_STATE_DIR"] = tempfile.mkdtemp(prefix="zh2en-test-state-")
SEEDS = Path(os.environ.get("ZH2EN_SEEDS", REPO.parent / "shared" / "seeds"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"seed pages not found at {SEEDS}: the tests expect ../shared/seeds beside the "
                    f"checkout, or ZH2EN_SEEDS pointing at them")
    return SEEDS


@pytest.fixture(scope="session")
def seed_articles(seeds_dir):
    from pipeline.ingest import read_path

    return read_path(seeds_dir)


@pytest.fixture(scope="session")
def llama_backend():
    """The real packaged model, loaded once for the whole session."""
    from pipeline.backends import create_backend

    backend = create_backend("llama")
    yield backend
    backend.close()

"""One run per output folder: a file lock, and clean-up of temporary files a killed run left."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

LOCK_NAME = ".zh2en.lock"


class OutputLocked(RuntimeError):
    """Another run holds the output folder."""


@contextlib.contextmanager
def output_lock(out_dir: Path, wait_seconds: float = 0) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise OutputLocked(f"{out_dir}: another zh2en run is writing here; wait for it to finish "
                           f"or choose another output folder (-o)") from None
    try:
        remove_stale_temporaries(out_dir)
        yield
    finally:
        lock.release()


def remove_stale_temporaries(out_dir: Path) -> list[Path]:
    """Temporary files of atomic writes (`.<name>.<random>.tmp`) exist only while a write is
    in flight; under the lock, any that remain were left by a killed run."""
    stale = [p for p in out_dir.glob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale

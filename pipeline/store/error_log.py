"""Internal errors: a bug met while handling one passage must never cost the article. The
passage keeps its original (in both files, with a warning in reader words), the article is
written, and the traceback goes to a log file in the state folder - named on stderr, never
printed to the terminal. Errors of the model backend itself (a missing model, a server that
stopped answering) are not internal errors: they propagate, so the run says what to fix."""

from __future__ import annotations

import threading
import traceback
from datetime import datetime, timezone
from pathlib import Path

from pipeline.document import Segment

# A segment whose English could not be made (or checked, or written) because of an internal error.
INTERNAL_ERROR_FLAG = ("not translated: zh2en met an internal error on this passage ({what}); the original is "
                       "kept - the error is in zh2en's error log")


class ErrorLog:
    """Appends each internal error's traceback to `path`; counts them (thread-safe)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.count = 0
        self._lock = threading.Lock()

    def record(self, where: str, exc: BaseException) -> str:
        """Log `exc` (met in stage `where`); returns its one-line description."""
        line = f"{type(exc).__name__}: {exc}".strip()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = "".join(traceback.format_exception(exc))
        with self._lock:
            self.count += 1
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as log:
                    log.write(f"--- {stamp} in {where}\n{text}\n")
            except OSError:   # the log is for diagnosis; the warning in the file still tells the reader
                pass
        return line


def keep_original(seg: Segment, where: str, exc: BaseException, log: ErrorLog | None) -> None:
    """The segment after an internal error in stage `where`: its original as its text, flagged,
    the error logged."""
    line = log.record(where, exc) if log is not None else f"{type(exc).__name__}: {exc}"
    seg.translation, seg.confidence, seg.qa = seg.source, None, []
    seg.internal_error = f"{where}: {line}"
    flag = INTERNAL_ERROR_FLAG.format(what=f"{type(exc).__name__} while {where}")
    if flag not in seg.flags:
        seg.flags.append(flag)
